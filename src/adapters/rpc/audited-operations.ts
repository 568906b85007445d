import { create, toJson, type DescMessage } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { OperationsService } from "../../../gen/invsync/operations/v1/operations_service_pb.js";
import type { AuditTrail } from "../../reconciliation/application/audit-trail.js";
import type { AuditAction, AuditRecord } from "../../reconciliation/domain/audit-entry.js";
import type { Clock } from "../../shared/clock.js";
import { isInventorySyncError } from "../../shared/errors.js";
import type { IngestionState } from "../../wms-ingestion/application/ingestion-control.js";
import { actorKey, requestIdKey } from "./service-guard.js";

type Operations = ServiceImpl<typeof OperationsService>;
type Write = "pauseIngestion" | "resumeIngestion" | "backfill" | "replay";

const ACTIONS: Record<Write, AuditAction> = {
  pauseIngestion: "ingestion_paused",
  resumeIngestion: "ingestion_resumed",
  backfill: "backfill_run",
  replay: "inbox_replayed",
};

/**
 * OperationsService with every write in the audit log: pause, resume, backfill and replay, each with
 * who (the operator the access gate admitted), when, the request, the ingestion state before and
 * after (pause, resume) or the outcome (backfill, replay), and the request id. A call that fails is
 * recorded too, with its error, since a replay or backfill may have applied part of its work. Reads
 * are not recorded.
 */
export function auditedOperations(impl: Operations, audit: AuditTrail, ingestionState: () => Promise<IngestionState>, clock: Clock): Operations {
  const audited = <M extends Write>(name: M): Operations[M] =>
    (async (request: never, context: HandlerContext) => {
      const method = OperationsService.method[name];
      const toggles = name === "pauseIngestion" || name === "resumeIngestion";
      const before = toggles ? stateJson(await ingestionState()) : undefined;
      const requestJson = json(method.input, request);
      const entry = (result: Record<string, unknown>, after: Record<string, unknown> | undefined): AuditRecord => ({
        actor: context.values.get(actorKey) ?? { name: "unknown", role: "operator" },
        action: ACTIONS[name],
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
        reason: typeof requestJson.reason === "string" ? requestJson.reason : "",
        note: "",
        requestId: context.values.get(requestIdKey),
        details: { request: requestJson, ...result },
        at: clock.now(),
      });
      let response: unknown;
      try {
        response = await (impl[name] as (r: never, c: HandlerContext) => unknown)(request, context);
      } catch (error) {
        await audit.record(entry({ outcome: "failed", error: isInventorySyncError(error) ? `${error.code}: ${error.message}` : String(error) }, undefined));
        throw error;
      }
      const responseJson = json(method.output, create(method.output as DescMessage, response as never));
      await audit.record(entry({ outcome: "done", response: responseJson }, toggles ? stateJson(await ingestionState()) : undefined));
      return response;
    }) as unknown as Operations[M];

  return {
    ...impl,
    pauseIngestion: audited("pauseIngestion"),
    resumeIngestion: audited("resumeIngestion"),
    backfill: audited("backfill"),
    replay: audited("replay"),
  };
}

function stateJson(state: IngestionState): Record<string, unknown> {
  return { paused: state.paused, reason: state.reason, changedAt: state.changedAt.toISOString() };
}

function json(schema: DescMessage, message: unknown): Record<string, unknown> {
  return toJson(schema, message as never, { alwaysEmitImplicit: true }) as Record<string, unknown>;
}
