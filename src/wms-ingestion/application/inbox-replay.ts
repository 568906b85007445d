import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { IngestionControl } from "./ingestion-control.js";
import { addResult, EMPTY_TALLY, type IngestionTally } from "./ingestion-tally.js";
import type { WmsDecoder } from "./raw-update.js";
import type { BatchIngestor } from "./wms-batch-ingestion.js";
import type { MappedUpdate } from "./wms-batch.js";

/** Inbox statuses a replay can select. */
export const REPLAYABLE_STATUSES = ["rejected", "stale", "applied"] as const;

/** Which stored updates to replay; every set filter must match. */
export interface ReplayFilter {
  readonly status: (typeof REPLAYABLE_STATUSES)[number];
  readonly sku: string | undefined;
  readonly wmsId: string | undefined;
  readonly receivedFrom: Date | undefined;
  readonly receivedTo: Date | undefined;
  readonly limit: number;
}

/** One stored inbox row, as a replay reads it. */
export interface StoredUpdate {
  readonly id: string;
  readonly schemaVersion: string;
  readonly payload: unknown;
}

/** Port: the inbox as replay reads it. */
export interface InboxArchive {
  /** Up to `pageSize` rows matching `filter` with an id above `afterId`, by id; rejected rows already replayed are left out. */
  select(filter: ReplayFilter, afterId: string, pageSize: number): Promise<StoredUpdate[]>;
  /** Marks rejected rows whose updates went through ingestion again (the new attempt is a row of its own). */
  markReplayed(ids: readonly string[], batchId: string): Promise<void>;
}

/** What a replay did. */
export interface ReplayReport {
  readonly examined: number;
  readonly outcome: IngestionTally;
  readonly stillRejected: number;
}

const PAGE_SIZE = 1000;

/**
 * Use case: re-run stored inbox updates through the CURRENT mapper of their contract, so a mapper
 * fix turns rejected rows into applied updates. Updates the mapper still refuses stay as they were;
 * the others go through normal ingestion, whose dedupe on (wms_id, sequence) makes a replay (or a
 * second one) never apply an update twice.
 */
export class InboxReplay {
  constructor(
    private readonly archive: InboxArchive,
    private readonly decoder: WmsDecoder,
    private readonly ingestion: BatchIngestor,
    private readonly ids: IdGenerator,
    private readonly control: IngestionControl,
  ) {}

  /** Replays the updates `filter` selects; refused (Unavailable) while ingestion is paused. */
  async replay(filter: ReplayFilter): Promise<ReplayReport> {
    assertValid(filter);
    await this.control.assertRunning();
    const replayId = this.ids.next();
    let examined = 0;
    let stillRejected = 0;
    let outcome = EMPTY_TALLY;
    let afterId = "0";
    while (examined < filter.limit) {
      const rows = await this.archive.select(filter, afterId, Math.min(PAGE_SIZE, filter.limit - examined));
      if (rows.length === 0) break;
      examined += rows.length;
      afterId = rows.at(-1)!.id;
      for (const [version, group] of bySchemaVersion(rows)) {
        const batchId = `replay:${replayId}:${afterId}`;
        const mapped = this.decoder.mapRaw(version, batchId, group.map((row) => ({ json: row.payload })));
        const valid = mapped.updates.flatMap((update, i) => (update.kind === "rejected" ? [] : [{ update, id: group[i]!.id }]));
        stillRejected += group.length - valid.length;
        if (valid.length === 0) continue;
        const updates = valid.map(({ update }, index) => ({ ...update, index }) as MappedUpdate);
        outcome = addResult(outcome, await this.ingestion.ingest({ ...mapped, updates }));
        if (filter.status === "rejected") await this.archive.markReplayed(valid.map((v) => v.id), batchId);
      }
    }
    return { examined, outcome, stillRejected };
  }
}

/** Rows grouped by contract, in first-seen order (Node 20 has no Map.groupBy). */
function bySchemaVersion(rows: readonly StoredUpdate[]): Map<string, StoredUpdate[]> {
  const groups = new Map<string, StoredUpdate[]>();
  for (const row of rows) {
    const group = groups.get(row.schemaVersion);
    if (group) group.push(row);
    else groups.set(row.schemaVersion, [row]);
  }
  return groups;
}

function assertValid(filter: ReplayFilter): void {
  const violations: FieldViolation[] = [];
  if (!REPLAYABLE_STATUSES.includes(filter.status)) violations.push({ field: "status", reason: `must be one of ${REPLAYABLE_STATUSES.join(", ")}` });
  if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > 1_000_000) violations.push({ field: "limit", reason: "must be 1 to 1,000,000" });
  if (filter.receivedFrom && filter.receivedTo && filter.receivedFrom >= filter.receivedTo) {
    violations.push({ field: "received_to", reason: "must be after received_from" });
  }
  if (violations.length > 0) throw new ValidationError("OPERATIONS.INVALID_REPLAY", violations);
}
