import type { DiscrepancyFigures, FreshnessFigures, OversellFigures } from "../domain/scorecard-gates.js";
import type { IngestionPath } from "../domain/ingestion-path.js";

/** A half-open time window `[from, to)`. */
export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

/**
 * One path's figures for one cohort (`cohort` set: the routing flag that decided the records, ""
 * when none did) or for every cohort together (`cohort` undefined; percentiles do not add up, so
 * the source computes the totals itself).
 */
export interface PathCohortFigures {
  readonly path: IngestionPath;
  readonly cohort: string | undefined;
  readonly skus: number;
  readonly freshness: FreshnessFigures;
  readonly oversell: OversellFigures;
}

/** The latest completed reconciliation run: its totals and its discrepant SKUs per cohort. */
export interface ReconciliationFigures {
  readonly runId: string;
  /** The run's own count of SKUs it judged (new-path records only). */
  readonly skusCompared: number;
  /** Per cohort: new-path SKUs of the cohort the run could judge, and those with a discrepancy from it. */
  readonly perCohort: ReadonlyArray<{ readonly cohort: string } & Omit<DiscrepancyFigures, "runId">>;
  /** SKUs with a discrepancy from the run, all cohorts. */
  readonly skusWithDiscrepancy: number;
}

/** The newest finished legacy sync run. */
export interface LegacyRunRef {
  readonly runId: string;
  readonly finishedAt: Date;
}

/** Port: the scorecard's measurements, read from the service's own tables. */
export interface ScorecardSource {
  /** When the first record moved to the new path (undefined: none has). */
  firstCutoverAt(): Promise<Date | undefined>;
  /** Freshness, SKUs and oversell per path and cohort, and per path for all cohorts, over `window`. */
  pathFigures(window: TimeWindow): Promise<PathCohortFigures[]>;
  /** The latest completed reconciliation run's figures; undefined when none completed. */
  latestReconciliation(): Promise<ReconciliationFigures | undefined>;
  /** The newest legacy run; undefined when legacy never reported one. */
  latestLegacyRun(): Promise<LegacyRunRef | undefined>;
}
