import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  DiscrepancyKind,
  DiscrepancyStatus,
  RunStatus,
  SnapshotSource,
  type AuditEntrySchema,
  type DiscrepancySchema,
  type ReconciliationRunSchema,
  type SnapshotCount,
} from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import type { ReconciliationRun, SnapshotSourceKind } from "../../reconciliation/application/reconciliation-run.js";
import type { AuditEntry } from "../../reconciliation/domain/audit-entry.js";
import type { Discrepancy, DiscrepancyKind as Kind, DiscrepancyStatus as Status } from "../../reconciliation/domain/discrepancy.js";
import type { SnapshotLine } from "../../reconciliation/domain/snapshot-count.js";

const SOURCES: Record<SnapshotSourceKind, SnapshotSource> = { api: SnapshotSource.API, file: SnapshotSource.FILE, pull: SnapshotSource.PULL };
const RUN_STATUSES: Record<ReconciliationRun["status"], RunStatus> = { receiving: RunStatus.RECEIVING, completed: RunStatus.COMPLETED, failed: RunStatus.FAILED };
const KINDS: Record<Kind, DiscrepancyKind> = { shortfall: DiscrepancyKind.SHORTFALL, count_mismatch: DiscrepancyKind.COUNT_MISMATCH };
const STATUSES: Record<Status, DiscrepancyStatus> = {
  open: DiscrepancyStatus.OPEN,
  auto_resolved: DiscrepancyStatus.AUTO_RESOLVED,
  resolved: DiscrepancyStatus.RESOLVED,
  dismissed: DiscrepancyStatus.DISMISSED,
};

/** A filter enum as the domain's value; undefined for UNSPECIFIED (or a value this build does not know). */
export function kindOf(kind: DiscrepancyKind): Kind | undefined {
  return (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k] === kind);
}

/** See {@link kindOf}. */
export function statusOf(status: DiscrepancyStatus): Status | undefined {
  return (Object.keys(STATUSES) as Status[]).find((s) => STATUSES[s] === status);
}

/** A snapshot line of the contract as the domain receives it. */
export function toSnapshotLine(count: SnapshotCount): SnapshotLine {
  return { sku: count.sku, locationId: count.locationId, quantity: count.quantity, observedAt: dateOf(count.observedAt) };
}

/** A timestamp as a Date; undefined when unset. */
export function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

/** A run as its message. */
export function toRunMessage(run: ReconciliationRun): MessageInitShape<typeof ReconciliationRunSchema> {
  const r = run.result;
  return {
    runId: BigInt(run.id),
    source: SOURCES[run.source],
    wmsId: run.wmsId,
    snapshotRef: run.snapshotRef,
    takenAt: timestampFromDate(run.takenAt),
    complete: run.complete,
    status: RUN_STATUSES[run.status],
    scheduled: run.scheduledFor !== undefined,
    requestedBy: run.requestedBy,
    createdAt: timestampFromDate(run.createdAt),
    finishedAt: run.finishedAt && timestampFromDate(run.finishedAt),
    lines: BigInt(run.lines),
    failure: run.failure,
    result: r && {
      recordsCompared: BigInt(r.recordsCompared),
      skusCompared: BigInt(r.skusCompared),
      inFlight: BigInt(r.inFlight),
      notTracked: BigInt(r.notTracked),
      mismatchedRecords: BigInt(r.mismatchedRecords),
      mismatchedSkus: BigInt(r.mismatchedSkus),
      discrepancyRate: r.discrepancyRate,
      autoResolved: BigInt(r.autoResolved),
      opened: BigInt(r.opened),
      cleared: BigInt(r.cleared),
      shortfalls: BigInt(r.shortfalls),
      duration: durationFromMs(r.durationMs),
    },
  };
}

/** A discrepancy as its message. */
export function toDiscrepancyMessage(d: Discrepancy): MessageInitShape<typeof DiscrepancySchema> {
  return {
    discrepancyId: BigInt(d.id),
    sku: d.sku,
    locationId: d.locationId,
    kind: KINDS[d.kind],
    status: STATUSES[d.status],
    ours: BigInt(d.ours),
    theirs: BigInt(d.theirs),
    difference: BigInt(d.theirs - d.ours),
    firstSeenAt: timestampFromDate(d.firstSeenAt),
    lastSeenAt: timestampFromDate(d.lastSeenAt),
    resolvedAt: d.resolvedAt && timestampFromDate(d.resolvedAt),
    resolution: d.resolution,
    resolvedBy: d.resolvedBy,
    note: d.note,
    runId: BigInt(d.runId),
    stockVersion: BigInt(d.stockVersion),
    currentOnHand: BigInt(d.current?.onHand ?? 0),
    currentVersion: BigInt(d.current?.version ?? 0),
  };
}

/** An audit entry as its message. */
export function toAuditMessage(e: AuditEntry): MessageInitShape<typeof AuditEntrySchema> {
  return {
    auditId: BigInt(e.id),
    at: timestampFromDate(e.at),
    actor: e.actor.name,
    role: e.actor.role,
    action: e.action,
    sku: e.sku ?? "",
    locationId: e.locationId ?? "",
    before: e.before as never,
    after: e.after as never,
    reason: e.reason,
    note: e.note,
    requestId: e.requestId,
    details: e.details as never,
  };
}
