import type { Knex } from "knex";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import type { LegacyRunRef, PathCohortFigures, ReconciliationFigures, ScorecardSource, TimeWindow } from "../../migration/application/scorecard-source.port.js";
import { toDate } from "./row-values.js";

/**
 * The freshness samples of a window, one per WMS update (bindings: from ×4, to ×2, from ×2, to):
 * - new path: each update's ledger events (`inventory_events`, cause `wms_update`, path `new`,
 *   deduplicated by WMS id and sequence), `observed_at` → the earliest JetStream acknowledgement of
 *   any of them (`outbox_acknowledgements`); none yet: pending;
 * - legacy and shadow: each feed row (`legacy_inventory_feed`), `observed_at` → the first legacy run
 *   whose `fed_through` covers its id (`legacy_sync_runs.finished_at`); none yet: pending.
 * The cohort is the `flag` of the routing decision recorded with the update ("" when none decided).
 * Lags below 0 (WMS clock ahead) count as 0. Documented in docs/evaluation.md#freshness-lag.
 */
export const FRESHNESS_SAMPLES = `
WITH acks AS (
  SELECT e.event_id, min(a.acked_at) AS acked_at
  FROM outbox_acknowledgements a CROSS JOIN LATERAL unnest(a.event_ids) AS e(event_id)
  WHERE a.acked_at >= ?::timestamptz
  GROUP BY e.event_id
),
new_updates AS (
  SELECT ev.cause->>'wmsId' AS wms_id, ev.cause->>'sequence' AS sequence, min(coalesce(ev.routing->>'flag', '')) AS cohort,
         min((ev.cause->>'observedAt')::timestamptz) AS observed_at, min(k.acked_at) AS taken_at
  FROM inventory_events ev LEFT JOIN acks k ON k.event_id = ev.event_id
  WHERE ev."timestamp" >= ?::timestamptz AND ev.path = 'new' AND ev.cause->>'kind' = 'wms_update'
    AND (ev.cause->>'observedAt')::timestamptz >= ?::timestamptz AND (ev.cause->>'observedAt')::timestamptz < ?::timestamptz
  GROUP BY 1, 2
),
feed_updates AS (
  SELECT f.path, coalesce(u.routing->>'flag', '') AS cohort, f.observed_at,
         (SELECT min(r.finished_at) FROM legacy_sync_runs r WHERE r.fed_through >= f.id) AS taken_at
  FROM legacy_inventory_feed f JOIN wms_updates u ON u.id = f.inbox_id
  WHERE f.fed_at >= ?::timestamptz AND f.observed_at >= ?::timestamptz AND f.observed_at < ?::timestamptz
)
SELECT 'new' AS path, cohort, observed_at, taken_at FROM new_updates
UNION ALL
SELECT path, cohort, observed_at, taken_at FROM feed_updates`;

/** The window's bindings of {@link FRESHNESS_SAMPLES}. */
export function freshnessBindings(w: TimeWindow): string[] {
  const [from, to] = [w.from.toISOString(), w.to.toISOString()];
  return [from, from, from, to, from, from, to];
}

/**
 * The reservations (order lines) of a window and whether each was found short (bindings: to, from,
 * to, from, from, from, from). Lines are the service's `reservations` and the lines legacy reports in
 * `legacy_order_lines`. A line is **found short** when legacy refused it at fulfilment, or when a WMS
 * count of its record (an accepted inbox row of kind `count`, any path), observed while the line was
 * active (made at or before, closed after), shows fewer units than the lines then active on the
 * record, taken oldest first, up to and including it. Each line counts once, in the path and cohort
 * of its record's latest accepted WMS update observed at or before the line was made (else the
 * record's route now; else legacy). Documented in docs/evaluation.md#oversell-rate.
 */
export const RESERVATION_OUTCOMES = `
WITH lines AS (
  SELECT 'r:' || r.id::text AS line_id, r.sku, r.location_id, r.quantity, r.created_at AS made_at, r.closed_at, false AS refused
  FROM reservations r WHERE r.created_at < ?::timestamptz AND coalesce(r.closed_at, 'infinity') > ?::timestamptz
  UNION ALL
  SELECT 'l:' || l.line_id, l.sku, l.location_id, l.quantity, l.reserved_at, l.closed_at, l.status = 'refused'
  FROM legacy_order_lines l WHERE l.reserved_at < ?::timestamptz AND coalesce(l.closed_at, 'infinity') > ?::timestamptz
),
counts AS (
  SELECT u.id, u.sku, u.location_id, u.quantity, u.observed_at FROM wms_updates u
  WHERE u.received_at >= ?::timestamptz AND u.observed_at >= ?::timestamptz
    AND u.update_kind = 'count' AND u.status IN ('applied', 'forwarded', 'shadowed')
),
checked AS (
  SELECT l.line_id, c.quantity, sum(l.quantity) OVER (PARTITION BY c.id ORDER BY l.made_at, l.line_id) AS promised
  FROM counts c JOIN lines l ON l.sku = c.sku AND l.location_id = c.location_id
    AND l.made_at <= c.observed_at AND coalesce(l.closed_at, 'infinity') > c.observed_at
),
short AS (SELECT DISTINCT line_id FROM checked WHERE promised > quantity)
SELECT coalesce(at_time.path, route.path, 'legacy') AS path, coalesce(at_time.cohort, route.flag, '') AS cohort,
       (s.line_id IS NOT NULL OR l.refused) AS short, l.refused
FROM lines l
LEFT JOIN short s ON s.line_id = l.line_id
LEFT JOIN LATERAL (
  SELECT u.path, coalesce(u.routing->>'flag', '') AS cohort FROM wms_updates u
  WHERE u.sku = l.sku COLLATE "default" AND u.location_id = l.location_id COLLATE "default"
    AND u.status IN ('applied', 'forwarded', 'shadowed') AND u.observed_at <= l.made_at
  ORDER BY u.observed_at DESC LIMIT 1
) AS at_time ON true
LEFT JOIN sku_routes route ON route.sku = l.sku AND route.location_id = l.location_id
WHERE l.made_at >= ?::timestamptz`;

/** The window's bindings of {@link RESERVATION_OUTCOMES}. */
export function reservationBindings(w: TimeWindow): string[] {
  const [from, to] = [w.from.toISOString(), w.to.toISOString()];
  return [to, from, to, from, from, from, from];
}

/** Distinct SKUs with an accepted WMS update on each path in the window (bindings: from, to). */
const ROUTED_SKUS = `
  SELECT path, coalesce(routing->>'flag', '') AS cohort, sku FROM wms_updates
  WHERE received_at >= ?::timestamptz AND received_at < ?::timestamptz AND status IN ('applied', 'forwarded', 'shadowed', 'stale') AND path IS NOT NULL`;

/** Per path and cohort and per path: the figures of {@link FRESHNESS_SAMPLES}, {@link RESERVATION_OUTCOMES} and the routed SKUs. */
const PATH_FIGURES = `
WITH samples AS (${FRESHNESS_SAMPLES}),
lags AS (SELECT path, cohort, taken_at, GREATEST(extract(epoch FROM taken_at - observed_at) * 1000, 0)::float8 AS lag_ms FROM samples),
outcomes AS (${RESERVATION_OUTCOMES}),
routed AS (${ROUTED_SKUS}),
freshness AS (
  SELECT path, cohort, GROUPING(cohort) AS total, count(taken_at) AS samples, count(*) - count(taken_at) AS pending,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms) AS p50, percentile_disc(0.95) WITHIN GROUP (ORDER BY lag_ms) AS p95,
         percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms) AS p99
  FROM lags GROUP BY GROUPING SETS ((path, cohort), (path))
),
oversell AS (
  SELECT path, cohort, GROUPING(cohort) AS total, count(*) AS reservations, count(*) FILTER (WHERE short) AS found_short,
         count(*) FILTER (WHERE refused) AS refused
  FROM outcomes GROUP BY GROUPING SETS ((path, cohort), (path))
),
skus AS (SELECT path, cohort, GROUPING(cohort) AS total, count(DISTINCT sku) AS skus FROM routed GROUP BY GROUPING SETS ((path, cohort), (path))),
keys AS (SELECT path, cohort, total FROM freshness UNION SELECT path, cohort, total FROM oversell UNION SELECT path, cohort, total FROM skus)
SELECT k.path, k.cohort, k.total = 1 AS total, coalesce(s.skus, 0)::int AS skus,
       coalesce(f.samples, 0)::int AS samples, coalesce(f.pending, 0)::int AS pending, f.p50, f.p95, f.p99,
       coalesce(o.reservations, 0)::int AS reservations, coalesce(o.found_short, 0)::int AS found_short, coalesce(o.refused, 0)::int AS refused
FROM keys k
LEFT JOIN freshness f ON f.path = k.path AND f.total = k.total AND f.cohort IS NOT DISTINCT FROM k.cohort
LEFT JOIN oversell o ON o.path = k.path AND o.total = k.total AND o.cohort IS NOT DISTINCT FROM k.cohort
LEFT JOIN skus s ON s.path = k.path AND s.total = k.total AND s.cohort IS NOT DISTINCT FROM k.cohort
ORDER BY k.path, k.total DESC, k.cohort`;

interface FigureRow {
  path: IngestionPath;
  cohort: string | null;
  total: boolean;
  skus: number;
  samples: number;
  pending: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  reservations: number;
  found_short: number;
  refused: number;
}

/** {@link ScorecardSource} over the service's tables, in SQL. */
export class KnexScorecardSource implements ScorecardSource {
  constructor(private readonly knex: Knex) {}

  async firstCutoverAt(): Promise<Date | undefined> {
    const { rows } = await this.knex.raw<{ rows: Array<{ at: Date | string | null }> }>(`SELECT min(since) AS at FROM sku_routes WHERE path = 'new'`);
    return rows[0]?.at ? toDate(rows[0].at) : undefined;
  }

  async pathFigures(window: TimeWindow): Promise<PathCohortFigures[]> {
    const from = window.from.toISOString();
    const to = window.to.toISOString();
    // Joins of tens of thousands of rows whose sizes the planner cannot estimate (JSON fields, a
    // fresh table not yet analysed): without this it may pick a nested loop over the whole of each
    // side, which at the default evaluation day's size did not finish in ten minutes.
    const rows = await this.knex.transaction(async (trx) => {
      await trx.raw("SET LOCAL enable_nestloop = off");
      return (await trx.raw<{ rows: FigureRow[] }>(PATH_FIGURES, [...freshnessBindings(window), ...reservationBindings(window), from, to])).rows;
    });
    return rows.map((row) => ({
      path: row.path,
      cohort: row.total ? undefined : (row.cohort ?? ""),
      skus: row.skus,
      freshness: {
        samples: row.samples,
        medianMs: row.p50 === null ? undefined : Number(row.p50),
        p95Ms: row.p95 === null ? undefined : Number(row.p95),
        p99Ms: row.p99 === null ? undefined : Number(row.p99),
        pending: row.pending,
      },
      oversell: { reservations: row.reservations, foundShort: row.found_short, refusedAtFulfilment: row.refused },
    }));
  }

  async latestReconciliation(): Promise<ReconciliationFigures | undefined> {
    const { rows: runs } = await this.knex.raw<{ rows: Array<{ id: string; compared: string | null; taken_at: Date | string }> }>(
      `SELECT id::text AS id, result->>'skusCompared' AS compared, taken_at FROM reconciliation_runs
       WHERE status = 'completed' ORDER BY finished_at DESC, id DESC LIMIT 1`,
    );
    const run = runs[0];
    if (!run) return undefined;
    const { rows } = await this.knex.raw<{ rows: Array<{ cohort: string | null; compared: number; discrepant: number }> }>(
      `WITH discrepant AS (
         SELECT DISTINCT d.sku FROM discrepancies d
         WHERE d.run_id = ?::bigint AND d.kind = 'count_mismatch' AND d.status IN ('open', 'auto_resolved')),
       routed AS (SELECT DISTINCT sku, flag FROM sku_routes WHERE path = 'new' AND since <= ?::timestamptz)
       SELECT r.flag AS cohort, count(DISTINCT r.sku)::int AS compared, count(DISTINCT r.sku) FILTER (WHERE d.sku IS NOT NULL)::int AS discrepant
       FROM routed r LEFT JOIN discrepant d ON d.sku = r.sku GROUP BY r.flag
       UNION ALL
       SELECT NULL, -1, count(*)::int FROM discrepant`,
      [run.id, toDate(run.taken_at).toISOString()],
    );
    const all = rows.find((r) => r.cohort === null && r.compared === -1);
    return {
      runId: run.id,
      skusCompared: Number(run.compared ?? 0),
      skusWithDiscrepancy: all?.discrepant ?? 0,
      perCohort: rows
        .filter((r) => r.cohort !== null)
        .map((r) => ({ cohort: r.cohort!, skusCompared: r.compared, skusWithDiscrepancy: r.discrepant })),
    };
  }

  async latestLegacyRun(): Promise<LegacyRunRef | undefined> {
    const { rows } = await this.knex.raw<{ rows: Array<{ run_id: string; finished_at: Date | string }> }>(
      `SELECT run_id, finished_at FROM legacy_sync_runs ORDER BY finished_at DESC, run_id DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { runId: row.run_id, finishedAt: toDate(row.finished_at) } : undefined;
  }
}
