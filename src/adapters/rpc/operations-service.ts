import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { IngestionOutcomeSchema, IngestionStateSchema, OperationsService } from "../../../gen/invsync/operations/v1/operations_service_pb.js";
import type { Backfill } from "../../wms-ingestion/application/backfill.js";
import type { GapMonitor } from "../../wms-ingestion/application/gap-monitor.js";
import type { InboxReplay, ReplayFilter } from "../../wms-ingestion/application/inbox-replay.js";
import type { IngestionControl, IngestionState } from "../../wms-ingestion/application/ingestion-control.js";
import type { IngestionTally } from "../../wms-ingestion/application/ingestion-tally.js";
import type { PullCursors } from "../../wms-ingestion/application/wms-pull.js";
import { ValidationError } from "../../shared/errors.js";

/** The use cases behind the operations endpoints. */
export interface OperationsUseCases {
  readonly control: IngestionControl;
  readonly cursors: PullCursors;
  readonly gaps: GapMonitor;
  readonly backfill: Backfill;
  readonly replay: InboxReplay;
}

/**
 * `invsync.operations.v1.OperationsService`: each RPC converts its message and calls one use case,
 * nothing more, so operator authentication and an audit log can be put in front of it as a wrapper.
 */
export function operationsService(ops: OperationsUseCases): ServiceImpl<typeof OperationsService> {
  return {
    pauseIngestion: async (request) => ({ state: toState(await ops.control.pause(request.reason)) }),
    resumeIngestion: async () => ({ state: toState(await ops.control.resume()) }),
    async getIngestionStatus() {
      const [state, cursors] = await Promise.all([ops.control.state(), ops.cursors.list()]);
      return {
        state: toState(state),
        cursors: cursors.map((c) => ({ wmsId: c.wmsId, lastSequence: c.lastSequence, updatedAt: timestampFromDate(c.updatedAt), lastError: c.lastError })),
      };
    },
    async listGaps(request) {
      const gaps = await ops.gaps.list(request.wmsId === "" ? undefined : request.wmsId);
      return { gaps: gaps.map((g) => ({ wmsId: g.wmsId, firstMissing: g.firstMissing, lastMissing: g.lastMissing })) };
    },
    async backfill(request) {
      const { source } = request;
      if (source.case === "filePath") return { outcome: toOutcome(await ops.backfill.fromFile(source.value)) };
      if (source.case !== "pull") throw new ValidationError("OPERATIONS.INVALID_BACKFILL", [{ field: "source", reason: "set pull or file_path" }]);
      const range = source.value;
      const tally = await ops.backfill.fromWms({
        wmsId: range.wmsId,
        fromSequence: range.fromSequence,
        toSequence: range.toSequence,
        fromTime: dateOf(range.fromTime),
        toTime: dateOf(range.toTime),
      });
      return { outcome: toOutcome(tally) };
    },
    async replay(request) {
      const report = await ops.replay.replay({
        status: (request.status === "" ? "rejected" : request.status) as ReplayFilter["status"],
        sku: request.sku === "" ? undefined : request.sku,
        wmsId: request.wmsId === "" ? undefined : request.wmsId,
        receivedFrom: dateOf(request.receivedFrom),
        receivedTo: dateOf(request.receivedTo),
        limit: request.limit === 0 ? 100_000 : request.limit,
      });
      return { examined: BigInt(report.examined), outcome: toOutcome(report.outcome), stillRejected: BigInt(report.stillRejected) };
    },
  };
}

function toState(state: IngestionState): MessageInitShape<typeof IngestionStateSchema> {
  return { paused: state.paused, reason: state.reason, changedAt: timestampFromDate(state.changedAt) };
}

function toOutcome(tally: IngestionTally): MessageInitShape<typeof IngestionOutcomeSchema> {
  return {
    received: BigInt(tally.received),
    accepted: BigInt(tally.accepted),
    duplicate: BigInt(tally.duplicate),
    stale: BigInt(tally.stale),
    rejected: BigInt(tally.rejected),
  };
}

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}
