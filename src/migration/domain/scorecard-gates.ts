import type { IngestionPath } from "./ingestion-path.js";

/** The lag from the WMS's `observed_at` to an update taking effect on its path, in milliseconds. */
export interface FreshnessFigures {
  readonly samples: number;
  /** Percentiles (nearest rank); undefined when there are no samples. */
  readonly medianMs: number | undefined;
  readonly p95Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Updates observed in the window that have not taken effect yet. */
  readonly pending: number;
}

/** Reservations (order lines) made in the window and how many were later found short. */
export interface OversellFigures {
  readonly reservations: number;
  readonly foundShort: number;
  /** Of `foundShort`, the lines legacy refused at fulfilment. */
  readonly refusedAtFulfilment: number;
}

/** Found-short reservations per 1,000 reservations; 0 when there were none. */
export function oversellPerThousand(o: OversellFigures): number {
  return o.reservations === 0 ? 0 : (o.foundShort * 1000) / o.reservations;
}

/** The latest reconciliation run's count mismatches among the SKUs in scope. */
export interface DiscrepancyFigures {
  readonly runId: string;
  readonly skusCompared: number;
  readonly skusWithDiscrepancy: number;
}

/** Share of compared SKUs with a discrepancy; 0 when nothing was compared. */
export function discrepancyShare(d: DiscrepancyFigures): number {
  return d.skusCompared === 0 ? 0 : d.skusWithDiscrepancy / d.skusCompared;
}

/** The acceptance gates of the migration (design brief, evaluation plan). */
export const GATE_THRESHOLDS = {
  /** New path's median freshness lag below 2 minutes (seconds). */
  freshnessMedianSeconds: 120,
  /** New path's oversell rate at least 30 % below legacy's (relative reduction). */
  oversellReduction: 0.3,
  /** Latest reconciliation: discrepancies on fewer than 0.5 % of SKUs compared. */
  discrepancyShare: 0.005,
} as const;

export type GateName = "freshness" | "oversell" | "discrepancy";
export type GateStatus = "pass" | "fail" | "no_baseline_yet" | "no_data";

/** One gate's verdict: the measured value, the limit in the same unit, and what was compared or is missing. */
export interface GateVerdict {
  readonly name: GateName;
  readonly status: GateStatus;
  readonly observed: number;
  readonly threshold: number;
  readonly detail: string;
}

/** What the gates are judged on. */
export interface GateInputs {
  /** The new path's freshness (of the cohorts in scope). */
  readonly newFreshness: FreshnessFigures;
  readonly newOversell: OversellFigures;
  /** The baseline: the whole legacy path's oversell in the same window. */
  readonly legacyOversell: OversellFigures;
  /** False when legacy has never reported a finished run: no baseline at all. */
  readonly legacyHasRun: boolean;
  /** The latest reconciliation run's figures for the new path in scope; undefined when no run completed. */
  readonly newDiscrepancy: DiscrepancyFigures | undefined;
}

/** The three gates, in order: freshness, oversell, discrepancy. Missing data or baseline is never a pass. */
export function judgeGates(inputs: GateInputs): GateVerdict[] {
  return [freshnessGate(inputs.newFreshness), oversellGate(inputs), discrepancyGate(inputs.newDiscrepancy)];
}

function freshnessGate(f: FreshnessFigures): GateVerdict {
  const threshold = GATE_THRESHOLDS.freshnessMedianSeconds;
  if (f.medianMs === undefined) {
    return { name: "freshness", status: "no_data", observed: 0, threshold, detail: `no new-path update acknowledged in the window (${f.pending} pending)` };
  }
  const seconds = f.medianMs / 1000;
  const status = seconds < threshold ? "pass" : "fail";
  return { name: "freshness", status, observed: seconds, threshold, detail: `new-path median ${formatSeconds(seconds)} over ${f.samples} updates (limit < ${threshold} s)` };
}

function oversellGate(inputs: GateInputs): GateVerdict {
  const threshold = GATE_THRESHOLDS.oversellReduction;
  const ours = inputs.newOversell;
  const base = inputs.legacyOversell;
  if (!inputs.legacyHasRun) {
    return { name: "oversell", status: "no_baseline_yet", observed: 0, threshold, detail: "legacy has not reported a sync run yet: no baseline" };
  }
  if (base.reservations === 0) {
    return { name: "oversell", status: "no_baseline_yet", observed: 0, threshold, detail: "no legacy-path reservation in the window: no baseline" };
  }
  if (ours.reservations === 0) {
    return { name: "oversell", status: "no_data", observed: 0, threshold, detail: "no new-path reservation in the window" };
  }
  const legacyRate = oversellPerThousand(base);
  const newRate = oversellPerThousand(ours);
  const rates = `new ${newRate.toFixed(3)} ‰ (${ours.foundShort}/${ours.reservations}) against legacy ${legacyRate.toFixed(3)} ‰ (${base.foundShort}/${base.reservations})`;
  if (legacyRate === 0) {
    // Nothing to improve on: as good as legacy passes, any oversell fails.
    const status = newRate === 0 ? "pass" : "fail";
    return { name: "oversell", status, observed: 0, threshold, detail: `${rates}; legacy oversold nothing` };
  }
  const reduction = 1 - newRate / legacyRate;
  const status = reduction >= threshold ? "pass" : "fail";
  return { name: "oversell", status, observed: reduction, threshold, detail: `${rates}: ${(reduction * 100).toFixed(1)} % lower (needs ≥ ${threshold * 100} %)` };
}

function discrepancyGate(d: DiscrepancyFigures | undefined): GateVerdict {
  const threshold = GATE_THRESHOLDS.discrepancyShare;
  if (d === undefined) return { name: "discrepancy", status: "no_data", observed: 0, threshold, detail: "no reconciliation run has completed" };
  if (d.skusCompared === 0) {
    return { name: "discrepancy", status: "no_data", observed: 0, threshold, detail: `reconciliation run ${d.runId} compared no new-path SKU in scope` };
  }
  const share = discrepancyShare(d);
  const status = share < threshold ? "pass" : "fail";
  return {
    name: "discrepancy",
    status,
    observed: share,
    threshold,
    detail: `run ${d.runId}: ${d.skusWithDiscrepancy} of ${d.skusCompared} SKUs (${(share * 100).toFixed(3)} %, limit < ${threshold * 100} %)`,
  };
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toFixed(1)} s`;
}

/** Nearest-rank percentile of sorted values (the same definition as PostgreSQL's `percentile_disc`). */
export function percentileDisc(sorted: readonly number[], fraction: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

/** The figures of one path, for one cohort or a set of them. */
export interface PathFigures {
  readonly path: IngestionPath;
  readonly skus: number;
  readonly freshness: FreshnessFigures;
  readonly oversell: OversellFigures;
}
