import type { Knex } from "knex";
import type { NewRun, ReconciliationRun } from "../../reconciliation/application/reconciliation-run.js";
import type { RunStore } from "../../reconciliation/application/reconciliation-store.port.js";
import type { ReconciliationResult, RecordDifference, SnapshotComparison } from "../../reconciliation/domain/record-comparison.js";
import type { SnapshotCount } from "../../reconciliation/domain/snapshot-count.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { jsonRows, toDate } from "./row-values.js";
import { SNAPSHOT_JUDGEMENT, snapshotJudgementBindings } from "./snapshot-judgement-sql.js";

const RUN_COLUMNS = `id::text AS id, source, wms_id, snapshot_ref, taken_at, complete, status, requested_by, scheduled_for::text AS scheduled_for,
  lines::text AS lines, result, failure, created_at, finished_at`;

interface RunRow {
  id: string;
  source: NewRun["source"];
  wms_id: string;
  snapshot_ref: string;
  taken_at: Date | string;
  complete: boolean;
  status: ReconciliationRun["status"];
  requested_by: string;
  scheduled_for: string | null;
  lines: string;
  result: ReconciliationResult | string | null;
  failure: string;
  created_at: Date | string;
  finished_at: Date | string | null;
}

interface JudgedRow {
  row_kind: "totals" | "in_flight" | "mismatch";
  sku: string | null;
  location_id: string | null;
  counted: string | null;
  observed_at: Date | string | null;
  on_hand: string | null;
  reserved: string | null;
  version: string | null;
  theirs: string | null;
  compared: string | null;
  skus: string | null;
  not_tracked: string | null;
}

/** Serialises comparisons across replicas (one run compared at a time), for the run's transaction. */
const COMPARISON_LOCK = 0x1_5ec0_0005;

/** {@link RunStore} over `reconciliation_runs` and `reconciliation_snapshot_lines`: set-based statements throughout. */
export class KnexReconciliationRuns implements RunStore {
  constructor(private readonly knex: Knex) {}

  async create(run: NewRun): Promise<ReconciliationRun | undefined> {
    const { rows } = await this.knex.raw<{ rows: RunRow[] }>(
      `INSERT INTO reconciliation_runs (source, wms_id, snapshot_ref, taken_at, complete, requested_by, scheduled_for)
       VALUES (?, ?, ?, ?::timestamptz, ?, ?, ?::date)
       ON CONFLICT (scheduled_for) WHERE status <> 'failed' DO NOTHING
       RETURNING ${RUN_COLUMNS}`,
      [run.source, run.wmsId, run.snapshotRef, run.takenAt.toISOString(), run.complete, run.requestedBy, run.scheduledFor ?? null],
    );
    return rows[0] && toRun(rows[0]);
  }

  async addLines(runId: number, counts: readonly SnapshotCount[]): Promise<number | undefined> {
    // A record's later line in the page replaces its earlier one (ON CONFLICT cannot touch a row twice).
    const lines = new Map(counts.map((c) => [stockKey(c.sku, c.locationId), c]));
    const { rows } = await this.knex.raw<{ rows: Array<{ lines: string }> }>(
      `WITH run AS (SELECT id FROM reconciliation_runs WHERE id = ? AND status = 'receiving' FOR UPDATE),
       staged AS (
         INSERT INTO reconciliation_snapshot_lines (run_id, sku, location_id, counted, observed_at)
         SELECT run.id, l.sku, l.location_id, l.counted, l.observed_at
         FROM run, json_to_recordset(?::json) AS l(sku text, location_id text, counted bigint, observed_at timestamptz)
         ORDER BY l.sku, l.location_id
         ON CONFLICT (run_id, sku, location_id) DO UPDATE SET counted = EXCLUDED.counted, observed_at = EXCLUDED.observed_at
         RETURNING (xmax = 0) AS inserted
       )
       UPDATE reconciliation_runs AS r SET lines = r.lines + (SELECT count(*) FROM staged WHERE inserted)
       FROM run WHERE r.id = run.id
       RETURNING r.lines::text AS lines`,
      [runId, jsonRows([...lines.values()].map((c) => ({ sku: c.sku, location_id: c.locationId, counted: c.counted, observed_at: c.observedAt.toISOString() })))],
    );
    return rows[0] ? Number(rows[0].lines) : undefined;
  }

  async get(runId: number): Promise<ReconciliationRun | undefined> {
    const { rows } = await this.knex.raw<{ rows: RunRow[] }>(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = ?`, [runId]);
    return rows[0] && toRun(rows[0]);
  }

  async list(beforeId: number | undefined, limit: number): Promise<ReconciliationRun[]> {
    const { rows } = await this.knex.raw<{ rows: RunRow[] }>(
      `SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE (?::bigint IS NULL OR id < ?::bigint) ORDER BY id DESC LIMIT ?`,
      [beforeId ?? null, beforeId ?? null, limit],
    );
    return rows.map(toRun);
  }

  async dayClaimed(day: string): Promise<boolean> {
    const { rows } = await this.knex.raw<{ rows: unknown[] }>(`SELECT 1 FROM reconciliation_runs WHERE scheduled_for = ?::date AND status <> 'failed' LIMIT 1`, [day]);
    return rows.length > 0;
  }

  async lastCompletedAt(): Promise<Date | undefined> {
    const { rows } = await this.knex.raw<{ rows: Array<{ at: Date | null }> }>(`SELECT max(finished_at) AS at FROM reconciliation_runs WHERE status = 'completed'`);
    return rows[0]?.at ?? undefined;
  }

  async fail(runId: number, failure: string, at: Date): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx.raw(`UPDATE reconciliation_runs SET status = 'failed', failure = ?, finished_at = ?::timestamptz WHERE id = ? AND status = 'receiving'`, [
        failure.slice(0, 2000),
        at.toISOString(),
        runId,
      ]);
      await trx.raw(`DELETE FROM reconciliation_snapshot_lines WHERE run_id = ?`, [runId]);
    });
  }

  async lockForComparison(tx: Transaction, runId: number): Promise<ReconciliationRun | undefined> {
    const trx = knexTransaction(tx);
    await trx.raw(`SELECT pg_advisory_xact_lock(?::bigint)`, [COMPARISON_LOCK]);
    const { rows } = await trx.raw<{ rows: RunRow[] }>(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = ? AND status = 'receiving' FOR UPDATE`, [runId]);
    return rows[0] && toRun(rows[0]);
  }

  async compare(tx: Transaction, run: ReconciliationRun, shipmentSettleMs: number): Promise<SnapshotComparison> {
    const { rows } = await knexTransaction(tx).raw<{ rows: JudgedRow[] }>(SNAPSHOT_JUDGEMENT, snapshotJudgementBindings(run, shipmentSettleMs / 1000));
    const totals = rows.find((row) => row.row_kind === "totals");
    const differences = rows.filter((row) => row.row_kind !== "totals");
    return {
      recordsCompared: Number(totals?.compared ?? 0),
      skusCompared: Number(totals?.skus ?? 0),
      notTracked: Number(totals?.not_tracked ?? 0),
      inFlight: differences.filter((row) => row.row_kind === "in_flight").map(toDifference),
      mismatches: differences.filter((row) => row.row_kind === "mismatch").map(toDifference),
    };
  }

  async complete(tx: Transaction, runId: number, result: ReconciliationResult, at: Date): Promise<ReconciliationRun> {
    const trx = knexTransaction(tx);
    const { rows } = await trx.raw<{ rows: RunRow[] }>(
      `UPDATE reconciliation_runs SET status = 'completed', result = ?::jsonb, finished_at = ?::timestamptz WHERE id = ? RETURNING ${RUN_COLUMNS}`,
      [JSON.stringify(result), at.toISOString(), runId],
    );
    await trx.raw(`DELETE FROM reconciliation_snapshot_lines WHERE run_id = ?`, [runId]);
    return toRun(rows[0]!);
  }
}

function toRun(row: RunRow): ReconciliationRun {
  return {
    id: Number(row.id),
    source: row.source,
    wmsId: row.wms_id,
    snapshotRef: row.snapshot_ref,
    takenAt: toDate(row.taken_at),
    complete: row.complete,
    status: row.status,
    requestedBy: row.requested_by,
    scheduledFor: row.scheduled_for ?? undefined,
    lines: Number(row.lines),
    result: row.result === null ? undefined : typeof row.result === "string" ? (JSON.parse(row.result) as ReconciliationResult) : row.result,
    failure: row.failure,
    createdAt: toDate(row.created_at),
    finishedAt: row.finished_at === null ? undefined : toDate(row.finished_at),
  };
}

function toDifference(row: JudgedRow): RecordDifference {
  return {
    sku: asSku(row.sku!),
    locationId: asLocationId(row.location_id!),
    ours: Number(row.on_hand),
    theirs: Number(row.theirs),
    counted: Number(row.counted),
    reserved: Number(row.reserved),
    version: Number(row.version),
    observedAt: toDate(row.observed_at!),
  };
}
