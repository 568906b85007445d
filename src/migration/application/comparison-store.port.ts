import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { IngestionPath } from "../domain/ingestion-path.js";
import type { CohortTally, Mismatch, ShadowRecord } from "../domain/shadow-comparison.js";

/** What started a comparison. */
export type ComparisonTrigger = "legacy_run" | "on_demand";

/** A finished comparison of the shadow projection with legacy counts. */
export interface StoredComparison {
  readonly id: string;
  readonly trigger: ComparisonTrigger;
  /** The legacy run compared against, when legacy has run at all. */
  readonly legacyRunId: string | undefined;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** One tally per cohort (the flag that put the records in shadow). */
  readonly tallies: readonly CohortTally[];
}

/** Distinct SKUs sitting on a path, by the flag that put them there (empty flag: none did). */
export interface RouteCount {
  readonly flag: string;
  readonly path: IngestionPath;
  readonly skus: number;
}

/** Port: the shadow projection as the comparator reads it, comparisons and routing totals. */
export interface ComparisonStore {
  /** Up to `limit` shadow records whose route is `shadow` now, in key order after `after`. */
  shadowRecords(after: StockRecordKey | undefined, limit: number): Promise<ShadowRecord[]>;
  /** Stores a comparison and its mismatches; a second one for the same legacy run is not stored again. */
  save(comparison: Omit<StoredComparison, "id">, mismatches: readonly Mismatch[]): Promise<StoredComparison>;
  /** The newest comparison, if any. */
  latest(): Promise<StoredComparison | undefined>;
  /** True when the legacy run was already compared against. */
  comparedLegacyRun(runId: string): Promise<boolean>;
  /** Mismatches of a comparison in key order after `after`, optionally of one cohort. */
  mismatches(comparisonId: string, cohort: string | undefined, after: StockRecordKey | undefined, limit: number): Promise<Mismatch[]>;
  /** Distinct SKUs per (deciding flag, path), from each record's last routing. */
  routeCounts(): Promise<RouteCount[]>;
  /** Distinct SKUs per path. */
  pathCounts(): Promise<Map<IngestionPath, number>>;
}
