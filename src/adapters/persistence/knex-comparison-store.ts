import type { Knex } from "knex";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { ComparisonStore, RouteCount, StoredComparison } from "../../migration/application/comparison-store.port.js";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import type { CohortTally, Mismatch, ShadowRecord } from "../../migration/domain/shadow-comparison.js";
import { COLUMNS, toStockLevel, type StockRow } from "./knex-stock-repository.js";
import { bindings, toDate } from "./row-values.js";

interface ComparisonRow {
  id: string;
  trigger: StoredComparison["trigger"];
  legacy_run_id: string | null;
  started_at: Date | string;
  finished_at: Date | string;
}

interface MismatchRow {
  sku: string;
  location_id: string;
  cohort: string;
  shadow_on_hand: string | number;
  legacy_on_hand: string | number | null;
  shadow_wms_id: string | null;
  shadow_sequence: string | null;
}

/** {@link ComparisonStore} over `shadow_inventory`, `sku_routes` and the comparison tables. */
export class KnexComparisonStore implements ComparisonStore {
  constructor(private readonly knex: Knex) {}

  async shadowRecords(after: StockRecordKey | undefined, limit: number): Promise<ShadowRecord[]> {
    const { rows } = await this.knex.raw<{ rows: Array<StockRow & { cohort: string }> }>(
      `SELECT s.*, r.flag AS cohort
       FROM (SELECT ${COLUMNS} FROM shadow_inventory) AS s JOIN sku_routes AS r USING (sku, location_id)
       WHERE r.path = 'shadow' AND (?::text IS NULL OR (s.sku, s.location_id) > (?::text, ?::text))
       ORDER BY s.sku, s.location_id LIMIT ?`,
      [after?.sku ?? null, after?.sku ?? null, after?.locationId ?? null, limit],
    );
    return rows.map((row) => ({ level: toStockLevel(row), cohort: row.cohort }));
  }

  async save(comparison: Omit<StoredComparison, "id">, mismatches: readonly Mismatch[]): Promise<StoredComparison> {
    return this.knex.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>(
        `INSERT INTO shadow_comparisons (trigger, legacy_run_id, started_at, finished_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (legacy_run_id) WHERE trigger = 'legacy_run' DO NOTHING
         RETURNING id::text AS id`,
        [comparison.trigger, comparison.legacyRunId ?? null, comparison.startedAt.toISOString(), comparison.finishedAt.toISOString()],
      );
      const id = rows[0]?.id;
      if (id === undefined) return (await this.byLegacyRun(trx, comparison.legacyRunId!))!;
      const tallies = comparison.tallies;
      await trx.raw(
        `INSERT INTO shadow_comparison_cohorts (comparison_id, cohort, compared, mismatched, in_flight)
         SELECT ?::bigint, * FROM unnest(?::text[], ?::int[], ?::int[], ?::int[])`,
        bindings(id, tallies.map((t) => t.cohort), tallies.map((t) => t.compared), tallies.map((t) => t.mismatched), tallies.map((t) => t.inFlight)),
      );
      await trx.raw(
        `INSERT INTO shadow_mismatches (comparison_id, sku, location_id, cohort, shadow_on_hand, legacy_on_hand, shadow_wms_id, shadow_sequence)
         SELECT ?::bigint, * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[])`,
        bindings(
          id,
          mismatches.map((m) => m.sku),
          mismatches.map((m) => m.locationId),
          mismatches.map((m) => m.cohort),
          mismatches.map((m) => m.shadowOnHand),
          mismatches.map((m) => m.legacyOnHand ?? null),
          mismatches.map((m) => m.shadowWmsId ?? null),
          mismatches.map((m) => m.shadowSequence?.toString() ?? null),
        ),
      );
      return { id, ...comparison };
    });
  }

  async latest(): Promise<StoredComparison | undefined> {
    const { rows } = await this.knex.raw<{ rows: ComparisonRow[] }>(
      `SELECT id::text AS id, trigger, legacy_run_id, started_at, finished_at FROM shadow_comparisons ORDER BY shadow_comparisons.id DESC LIMIT 1`,
    );
    return rows[0] ? this.withTallies(this.knex, rows[0]) : undefined;
  }

  async comparedLegacyRun(runId: string): Promise<boolean> {
    return (await this.byLegacyRun(this.knex, runId)) !== undefined;
  }

  async mismatches(comparisonId: string, cohort: string | undefined, after: StockRecordKey | undefined, limit: number): Promise<Mismatch[]> {
    const { rows } = await this.knex.raw<{ rows: MismatchRow[] }>(
      `SELECT sku, location_id, cohort, shadow_on_hand, legacy_on_hand, shadow_wms_id, shadow_sequence::text AS shadow_sequence
       FROM shadow_mismatches
       WHERE comparison_id = ?::bigint AND (?::text IS NULL OR cohort = ?::text)
         AND (?::text IS NULL OR (sku, location_id) > (?::text, ?::text))
       ORDER BY sku, location_id LIMIT ?`,
      [comparisonId, cohort ?? null, cohort ?? null, after?.sku ?? null, after?.sku ?? null, after?.locationId ?? null, limit],
    );
    return rows.map((row) => ({
      sku: row.sku,
      locationId: row.location_id,
      cohort: row.cohort,
      shadowOnHand: Number(row.shadow_on_hand),
      legacyOnHand: row.legacy_on_hand === null ? undefined : Number(row.legacy_on_hand),
      shadowWmsId: row.shadow_wms_id ?? undefined,
      shadowSequence: row.shadow_sequence === null ? undefined : BigInt(row.shadow_sequence),
    }));
  }

  async routeCounts(): Promise<RouteCount[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ flag: string; path: IngestionPath; skus: string | number }> }>(
      `SELECT flag, path, count(DISTINCT sku) AS skus FROM sku_routes GROUP BY flag, path`,
    );
    return rows.map((row) => ({ flag: row.flag, path: row.path, skus: Number(row.skus) }));
  }

  async pathCounts(): Promise<Map<IngestionPath, number>> {
    const { rows } = await this.knex.raw<{ rows: Array<{ path: IngestionPath; skus: string | number }> }>(
      `SELECT path, count(DISTINCT sku) AS skus FROM sku_routes GROUP BY path`,
    );
    return new Map(rows.map((row) => [row.path, Number(row.skus)]));
  }

  private async byLegacyRun(db: Knex, runId: string): Promise<StoredComparison | undefined> {
    const { rows } = await db.raw<{ rows: ComparisonRow[] }>(
      `SELECT id::text AS id, trigger, legacy_run_id, started_at, finished_at FROM shadow_comparisons
       WHERE trigger = 'legacy_run' AND legacy_run_id = ?`,
      [runId],
    );
    return rows[0] ? this.withTallies(db, rows[0]) : undefined;
  }

  private async withTallies(db: Knex, row: ComparisonRow): Promise<StoredComparison> {
    const { rows } = await db.raw<{ rows: Array<{ cohort: string; compared: number; mismatched: number; in_flight: number }> }>(
      `SELECT cohort, compared, mismatched, in_flight FROM shadow_comparison_cohorts WHERE comparison_id = ?::bigint ORDER BY cohort`,
      [row.id],
    );
    const tallies: CohortTally[] = rows.map((t) => ({ cohort: t.cohort, compared: Number(t.compared), mismatched: Number(t.mismatched), inFlight: Number(t.in_flight) }));
    return {
      id: row.id,
      trigger: row.trigger,
      legacyRunId: row.legacy_run_id ?? undefined,
      startedAt: toDate(row.started_at),
      finishedAt: toDate(row.finished_at),
      tallies,
    };
  }
}
