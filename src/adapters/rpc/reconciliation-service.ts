import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { OverrideReason } from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import { DiscrepancyResolution, type ReconciliationService } from "../../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import type { AuditTrail } from "../../reconciliation/application/audit-trail.js";
import type { DiscrepancyReview } from "../../reconciliation/application/discrepancy-review.js";
import type { SnapshotReconciliation } from "../../reconciliation/application/snapshot-reconciliation.js";
import type { StockOverrides } from "../../reconciliation/application/stock-overrides.js";
import type { SnapshotFeed, SnapshotFiles } from "../../reconciliation/application/snapshot-sources.port.js";
import type { Actor } from "../../reconciliation/domain/audit-entry.js";
import { checkOverride } from "../../reconciliation/domain/stock-override.js";
import { FailedPreconditionError, ValidationError } from "../../shared/errors.js";
import { toLocationStock } from "./inventory-service.js";
import { dateOf, kindOf, statusOf, toAuditMessage, toDiscrepancyMessage, toRunMessage, toSnapshotLine } from "./reconciliation-messages.js";
import { actorKey, requestIdKey } from "./service-guard.js";

/** The use cases behind the service. */
export interface ReconciliationCalls {
  readonly runs: SnapshotReconciliation;
  readonly overrides: StockOverrides;
  readonly review: DiscrepancyReview;
  readonly audit: AuditTrail;
}

/** Where on-demand runs get their snapshot; an absent source is refused as not configured. */
export interface SnapshotSources {
  readonly pull: SnapshotFeed | undefined;
  readonly files: SnapshotFiles | undefined;
}

/**
 * `invsync.inventory.v1.ReconciliationService`: each RPC converts its message, calls one use case
 * with the operator the access gate admitted (`actorKey`) and the request id, and converts back.
 */
export function reconciliationService(useCases: ReconciliationCalls, sources: SnapshotSources): ServiceImpl<typeof ReconciliationService> {
  const { runs, overrides, review, audit } = useCases;
  return {
    async beginSnapshot(request, context) {
      const header = { source: "api" as const, wmsId: request.wmsId, snapshotRef: request.snapshotRef, complete: request.complete };
      return { run: toRunMessage(await runs.begin(header, dateOf(request.takenAt), actorOf(context))) };
    },
    async addSnapshotCounts(request) {
      return { lines: BigInt(await runs.addCounts(idOf(request.runId, "run_id"), request.counts.map(toSnapshotLine))) };
    },
    async completeSnapshot(request) {
      return { run: toRunMessage(await runs.complete(idOf(request.runId, "run_id"), Number(request.expectedLines))) };
    },
    async runReconciliation(request, context) {
      const { source } = request;
      if (source.case === "pull") {
        if (!sources.pull) throw new FailedPreconditionError("RECONCILIATION.PULL_NOT_CONFIGURED", "no WMS snapshot endpoint is configured (set WMS_SNAPSHOT_URL)");
        const wmsId = source.value.wmsId || sources.pull.defaultWmsId;
        const header = { source: "pull" as const, wmsId, snapshotRef: `pull ${wmsId}`, complete: false };
        return { run: toRunMessage((await runs.runPages(header, sources.pull.pages(wmsId), actorOf(context)))!) };
      }
      if (source.case !== "filePath") throw new ValidationError("RECONCILIATION.INVALID_RUN", [{ field: "source", reason: "set pull or file_path" }]);
      if (!sources.files) throw new FailedPreconditionError("RECONCILIATION.FILE_DROP_NOT_CONFIGURED", "no drop folder is configured (set WMS_DROP_DIR)");
      const file = await sources.files.open(source.value);
      const header = { source: "file" as const, wmsId: "file", snapshotRef: file.name, complete: false };
      return { run: toRunMessage((await runs.runPages(header, file.pages, actorOf(context)))!) };
    },
    async getReconciliationRun(request) {
      return { run: toRunMessage(await runs.get(idOf(request.runId, "run_id"))) };
    },
    async listReconciliationRuns(request) {
      const page = await runs.list(request.pageSize, request.pageToken);
      return { runs: page.runs.map(toRunMessage), nextPageToken: page.nextPageToken };
    },
    async listDiscrepancies(request) {
      const filter = { status: statusOf(request.status), kind: kindOf(request.kind), sku: request.sku || undefined, runId: Number(request.runId) || undefined };
      const page = await review.list(filter, request.pageSize, request.pageToken);
      return { discrepancies: page.discrepancies.map(toDiscrepancyMessage), nextPageToken: page.nextPageToken };
    },
    async resolveDiscrepancy(request, context) {
      const decision = { [DiscrepancyResolution.ACCEPT_WMS_COUNT]: "accept_wms_count", [DiscrepancyResolution.KEEP_OURS]: "keep_ours" } as const;
      const chosen = decision[request.resolution as keyof typeof decision];
      if (!chosen) throw new ValidationError("RECONCILIATION.INVALID_DECISION", [{ field: "resolution", reason: "must be ACCEPT_WMS_COUNT or KEEP_OURS" }]);
      const outcome = await review.decide(idOf(request.discrepancyId, "discrepancy_id"), chosen, request.note, actorOf(context), requestIdOf(context));
      return { discrepancy: toDiscrepancyMessage(outcome.discrepancy), eventId: outcome.eventId };
    },
    async dismissDiscrepancy(request, context) {
      const outcome = await review.decide(idOf(request.discrepancyId, "discrepancy_id"), "dismiss", request.note, actorOf(context), requestIdOf(context));
      return { discrepancy: toDiscrepancyMessage(outcome.discrepancy) };
    },
    async overrideStockCount(request, context) {
      const command = checkOverride({
        sku: request.sku,
        locationId: request.locationId,
        countedOnHand: request.countedOnHand,
        expectedOnHand: request.expectedOnHand,
        reason: request.reason === OverrideReason.UNSPECIFIED ? undefined : OverrideReason[request.reason],
        note: request.note,
      });
      const outcome = await overrides.override(command, actorOf(context), requestIdOf(context));
      return {
        location: toLocationStock(outcome.level),
        eventId: outcome.eventId,
        resolvedDiscrepancyIds: outcome.closed.map((c) => BigInt(c.id)),
        shortfall: BigInt(outcome.shortfall),
        auditId: BigInt(outcome.auditId),
      };
    },
    async listAuditEntries(request) {
      const page = await audit.list({
        sku: request.sku,
        locationId: request.locationId,
        action: request.action,
        from: dateOf(request.from),
        to: dateOf(request.to),
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      return { entries: page.entries.map(toAuditMessage), nextPageToken: page.nextPageToken };
    },
  };
}

function actorOf(context: HandlerContext): Actor {
  const actor = context.values.get(actorKey);
  if (!actor) throw new Error("ReconciliationService was served without its access gate");
  return actor;
}

function requestIdOf(context: HandlerContext): string {
  return context.values.get(requestIdKey);
}

function idOf(id: bigint, field: string): number {
  if (id <= 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw new ValidationError("RECONCILIATION.INVALID_ID", [{ field, reason: "is required: a positive id" }]);
  return Number(id);
}
