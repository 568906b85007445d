import type { Clock } from "../../shared/clock.js";
import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import { INGESTION_PATHS, type IngestionPath } from "../domain/ingestion-path.js";
import type { RoutingFlagNames } from "../domain/route-decision.js";
import { judgeGates, type DiscrepancyFigures, type FreshnessFigures, type GateVerdict, type OversellFigures } from "../domain/scorecard-gates.js";
import type { ComparisonStore } from "./comparison-store.port.js";
import type { LegacyRunRef, PathCohortFigures, ScorecardSource, TimeWindow } from "./scorecard-source.port.js";

/** The standard windows. */
export type ScorecardWindowName = "last_24h" | "last_7d" | "since_cutover";

/** What a scorecard is asked for: a standard window, or `from`/`to`, and optionally one cohort. */
export interface ScorecardRequest {
  readonly window: ScorecardWindowName | undefined;
  readonly from: Date | undefined;
  readonly to: Date | undefined;
  /** A routing flag's name, or {@link UNDECIDED_COHORT}; empty for every cohort. */
  readonly cohort: string;
}

/** The cohort name of records no flag decided (no flag on, or flags unavailable). */
export const UNDECIDED_COHORT = "undecided";

/** The latest shadow comparison's tally for the records in scope. */
export interface ShadowMismatchFigures {
  readonly comparisonId: string;
  readonly compared: number;
  readonly mismatched: number;
}

/** One path's scorecard. */
export interface PathScore {
  readonly path: IngestionPath;
  readonly skus: number;
  readonly freshness: FreshnessFigures;
  readonly oversell: OversellFigures;
  /** New path only. */
  readonly discrepancy: DiscrepancyFigures | undefined;
  /** Shadow path only. */
  readonly shadowMismatch: ShadowMismatchFigures | undefined;
}

/** One cohort's scorecard per path it has records on. */
export interface CohortScore {
  readonly cohort: string;
  readonly paths: readonly PathScore[];
}

/** The scorecard over a window. */
export interface Scorecard {
  readonly window: TimeWindow;
  /** Per path: the selected cohorts' figures; legacy is always the whole legacy path (the baseline). */
  readonly paths: readonly PathScore[];
  readonly cohorts: readonly CohortScore[];
  readonly gates: readonly GateVerdict[];
  readonly latestLegacyRun: LegacyRunRef | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const NO_FRESHNESS: FreshnessFigures = { samples: 0, medianMs: undefined, p95Ms: undefined, p99Ms: undefined, pending: 0 };
const NO_OVERSELL: OversellFigures = { reservations: 0, foundShort: 0, refusedAtFulfilment: 0 };

/**
 * The migration scorecard (issue 24): per cohort and path, freshness lag, oversell rate,
 * reconciliation discrepancy rate and shadow mismatch rate over a window, and the three
 * acceptance gates judged on the new path against the legacy path's baseline.
 */
export class MigrationScorecard {
  constructor(
    private readonly source: ScorecardSource,
    private readonly comparisons: ComparisonStore,
    private readonly names: RoutingFlagNames,
    private readonly clock: Clock,
  ) {}

  /** The cohort names a request may select. */
  cohortNames(): string[] {
    return [this.names.cohort, this.names.shadow, this.names.killSwitch, UNDECIDED_COHORT];
  }

  async scorecard(request: ScorecardRequest): Promise<Scorecard> {
    const window = await this.window(request);
    const selected = request.cohort === "" ? undefined : request.cohort === UNDECIDED_COHORT ? "" : request.cohort;
    const [rows, reconciliation, legacyRun, comparison] = await Promise.all([
      this.source.pathFigures(window),
      this.source.latestReconciliation(),
      this.source.latestLegacyRun(),
      this.comparisons.latest(),
    ]);

    const discrepancyOf = (cohort: string | undefined): DiscrepancyFigures | undefined => {
      if (!reconciliation) return undefined;
      if (cohort === undefined) return { runId: reconciliation.runId, skusCompared: reconciliation.skusCompared, skusWithDiscrepancy: reconciliation.skusWithDiscrepancy };
      const entry = reconciliation.perCohort.find((c) => c.cohort === cohort);
      return { runId: reconciliation.runId, skusCompared: entry?.skusCompared ?? 0, skusWithDiscrepancy: entry?.skusWithDiscrepancy ?? 0 };
    };
    const shadowOf = (cohort: string | undefined): ShadowMismatchFigures | undefined => {
      if (!comparison) return undefined;
      const tallies = comparison.tallies.filter((t) => cohort === undefined || t.cohort === cohort);
      return {
        comparisonId: comparison.id,
        compared: tallies.reduce((sum, t) => sum + t.compared, 0),
        mismatched: tallies.reduce((sum, t) => sum + t.mismatched, 0),
      };
    };
    const score = (path: IngestionPath, cohort: string | undefined): PathScore => {
      const row = rows.find((r) => r.path === path && r.cohort === cohort);
      return {
        path,
        skus: row?.skus ?? 0,
        freshness: row?.freshness ?? NO_FRESHNESS,
        oversell: row?.oversell ?? NO_OVERSELL,
        discrepancy: path === "new" ? discrepancyOf(cohort) : undefined,
        shadowMismatch: path === "shadow" ? shadowOf(cohort) : undefined,
      };
    };

    const paths = INGESTION_PATHS.map((path) => score(path, path === "legacy" ? undefined : selected));
    const cohortNames = [...new Set(rows.filter((r): r is PathCohortFigures & { cohort: string } => r.cohort !== undefined).map((r) => r.cohort))]
      .filter((cohort) => selected === undefined || cohort === selected)
      .sort();
    const cohorts = cohortNames.map((cohort) => ({
      cohort: cohort === "" ? UNDECIDED_COHORT : cohort,
      paths: INGESTION_PATHS.filter((path) => rows.some((r) => r.path === path && r.cohort === cohort)).map((path) => score(path, cohort)),
    }));
    const byPath = (path: IngestionPath) => paths.find((p) => p.path === path)!;
    const gates = judgeGates({
      newFreshness: byPath("new").freshness,
      newOversell: byPath("new").oversell,
      legacyOversell: byPath("legacy").oversell,
      legacyHasRun: legacyRun !== undefined,
      newDiscrepancy: byPath("new").discrepancy,
    });
    return { window, paths, cohorts, gates, latestLegacyRun: legacyRun };
  }

  private async window(request: ScorecardRequest): Promise<TimeWindow> {
    const violations: FieldViolation[] = [];
    const now = this.clock.now();
    if (request.cohort !== "" && !this.cohortNames().includes(request.cohort)) {
      violations.push({ field: "cohort", reason: `is not a cohort of this service: "${request.cohort}" (known: ${this.cohortNames().join(", ")})` });
    }
    let window: TimeWindow | undefined;
    if (request.window !== undefined) {
      if (request.from !== undefined) violations.push({ field: "from", reason: "cannot be combined with window: give a window or from/to" });
      if (request.to !== undefined) violations.push({ field: "to", reason: "cannot be combined with window: give a window or from/to" });
      if (request.window === "last_24h") window = { from: new Date(now.getTime() - DAY_MS), to: now };
      else if (request.window === "last_7d") window = { from: new Date(now.getTime() - 7 * DAY_MS), to: now };
      else {
        const since = await this.source.firstCutoverAt();
        if (since === undefined) violations.push({ field: "window", reason: "SINCE_CUTOVER is empty: no record has moved to the new path yet" });
        else window = { from: since, to: now };
      }
    } else {
      const to = request.to ?? now;
      const from = request.from ?? (request.to === undefined ? new Date(now.getTime() - DAY_MS) : undefined);
      if (from === undefined) violations.push({ field: "from", reason: "is required with to (the window's start)" });
      else if (from.getTime() >= to.getTime()) violations.push({ field: "to", reason: `must be after from: the window ${from.toISOString()} – ${to.toISOString()} is empty` });
      else if (from.getTime() >= now.getTime()) violations.push({ field: "from", reason: `is in the future (${from.toISOString()}): the window is empty` });
      else window = { from, to };
    }
    if (violations.length > 0 || window === undefined) throw new ValidationError("MIGRATION.INVALID_SCORECARD_REQUEST", violations);
    return window;
  }
}
