import { observeChange, reassess, type DepletionEstimate } from "../../src/low-stock/domain/depletion-estimate.js";
import type { LowStockAlert } from "../../src/low-stock/domain/low-stock-alert.js";
import type { LowStockPolicy } from "../../src/low-stock/domain/low-stock-policy.js";
import type { ObservedStockChange } from "../../src/low-stock/domain/stock-change.js";

/** How a backtest replays and judges. */
export interface BacktestSettings {
  readonly policy: LowStockPolicy;
  /** How often the monitor's sweep runs (simulated time), as LOW_STOCK_SWEEP_SECONDS. */
  readonly sweepEveryMs: number;
  /** An alert is false when no stockout of its record follows within this many horizons. */
  readonly falseAfterHorizons: number;
}

/** A record's available reaching zero. */
export interface Stockout {
  readonly sku: string;
  readonly locationId: string;
  readonly at: Date;
  /** Less than one horizon after the record's first change: no estimator could have warned a horizon ahead. */
  readonly early: boolean;
}

/** What became of one stockout. */
export type StockoutVerdict = "in_time" | "late" | "missed";

/** Types that put stock back (a restock ends a stockout episode; a release or expiry does not). */
const RESTOCKS = new Set(["StockCounted", "StockMoved", "StockOverridden", "DiscrepancyAutoResolved"]);

/** The figures of one backtest. */
export interface BacktestResult {
  readonly changes: number;
  readonly records: number;
  /**
   * Stockout episodes judged: available reaching zero for the first time since the record was last
   * restocked (a unit released and taken again at zero is the same episode), at least one horizon
   * after the record's first change.
   */
  readonly stockouts: number;
  /** Stockouts within the first horizon of a record's history (not judged). */
  readonly earlyStockouts: number;
  /** An alert was open at the stockout and had been raised at least one horizon before it. */
  readonly predictedInTime: number;
  /** An alert was open at the stockout but raised less than a horizon before it (or by the change that emptied the record). */
  readonly late: number;
  /** No alert was open when the record ran out. */
  readonly missed: number;
  readonly alertsRaised: number;
  readonly alertsCleared: number;
  /** Raised alerts followed by no stockout of their record within `falseAfterHorizons` horizons. */
  readonly falseAlerts: number;
  /** Raised alerts too close to the end of the day to judge (their window runs past the last change). */
  readonly unjudgedAlerts: number;
  /** Median lead (stockout time minus raise time) of the stockouts predicted in time or late, in minutes. */
  readonly medianLeadMinutes: number | undefined;
}

/** One open alert, as the scoring sees it. */
interface Raise {
  readonly at: number;
  closedAt: number;
}

/**
 * Replays `changes` (every record's, in time order, as the stream holds them) through the
 * estimator exactly as the monitor applies them (`observeChange` per change, `reassess` of the
 * records running low every `sweepEveryMs`), and judges each stockout and each alert.
 */
export function backtest(changes: readonly ObservedStockChange[], settings: BacktestSettings): BacktestResult {
  const { policy, sweepEveryMs } = settings;
  const estimates = new Map<string, DepletionEstimate>();
  const raises = new Map<string, Raise[]>();
  const stockouts: Stockout[] = [];
  const firstSeen = new Map<string, number>();
  const out = new Set<string>();
  let raised = 0;
  let cleared = 0;
  let nextSweep = changes.length > 0 ? changes[0]!.at.getTime() + sweepEveryMs : 0;
  let serial = 0;
  const ids = { next: () => `bt-${++serial}` };

  const record = (alert: LowStockAlert) => {
    const key = keyOf(alert);
    if (alert.type === "StockRunningLow") {
      raised++;
      const list = raises.get(key) ?? [];
      list.push({ at: alert.at.getTime(), closedAt: Number.POSITIVE_INFINITY });
      raises.set(key, list);
    } else {
      cleared++;
      const open = raises.get(key)?.at(-1);
      if (open) open.closedAt = alert.at.getTime();
    }
  };

  for (const change of changes) {
    const at = change.at.getTime();
    for (; nextSweep <= at; nextSweep += sweepEveryMs) {
      for (const [key, estimate] of estimates) {
        if (!estimate.alert) continue;
        const check = reassess(estimate, new Date(nextSweep), policy, ids);
        if (!check.alert) continue;
        estimates.set(key, check.estimate);
        record(check.alert);
      }
    }
    const key = keyOf(change);
    const step = observeChange(estimates.get(key), change, policy, ids);
    estimates.set(key, step.estimate);
    if (step.alert) record(step.alert);
    if (!firstSeen.has(key)) firstSeen.set(key, at);
    if (RESTOCKS.has(change.type) && change.availableAfter > change.availableBefore) out.delete(key);
    if (change.availableBefore > 0 && change.availableAfter <= 0 && !out.has(key)) {
      out.add(key);
      stockouts.push({ sku: change.sku, locationId: change.locationId, at: change.at, early: at - firstSeen.get(key)! < policy.horizonMs });
    }
  }

  const end = changes.length > 0 ? changes.at(-1)!.at.getTime() : 0;
  const verdicts = stockouts.filter((s) => !s.early).map((stockout) => judge(stockout, raises.get(keyOf(stockout)) ?? [], policy.horizonMs));
  const window = settings.falseAfterHorizons * policy.horizonMs;
  const stockoutTimes = new Map<string, number[]>();
  for (const s of stockouts) stockoutTimes.set(keyOf(s), [...(stockoutTimes.get(keyOf(s)) ?? []), s.at.getTime()]);
  let falseAlerts = 0;
  let unjudged = 0;
  for (const [key, list] of raises) {
    const times = stockoutTimes.get(key) ?? [];
    for (const raise of list) {
      if (times.some((t) => t >= raise.at && t <= raise.at + window)) continue;
      if (raise.at + window > end) unjudged++;
      else falseAlerts++;
    }
  }
  const leads = verdicts.filter((v) => v.lead !== undefined).map((v) => v.lead!).sort((a, b) => a - b);
  return {
    changes: changes.length,
    records: estimates.size,
    stockouts: verdicts.length,
    earlyStockouts: stockouts.length - verdicts.length,
    predictedInTime: verdicts.filter((v) => v.verdict === "in_time").length,
    late: verdicts.filter((v) => v.verdict === "late").length,
    missed: verdicts.filter((v) => v.verdict === "missed").length,
    alertsRaised: raised,
    alertsCleared: cleared,
    falseAlerts,
    unjudgedAlerts: unjudged,
    medianLeadMinutes: leads.length === 0 ? undefined : leads[Math.floor((leads.length - 1) / 2)]! / 60_000,
  };
}

/** In time, late or missed: by the alert open when the record ran out, if any. */
export function judge(stockout: Stockout, raises: ReadonlyArray<{ readonly at: number; readonly closedAt: number }>, horizonMs: number): { verdict: StockoutVerdict; lead: number | undefined } {
  const t = stockout.at.getTime();
  const open = [...raises].reverse().find((r) => r.at <= t && r.closedAt > t);
  if (!open) return { verdict: "missed", lead: undefined };
  const lead = t - open.at;
  return { verdict: lead >= horizonMs ? "in_time" : "late", lead };
}

function keyOf(key: { readonly sku: string; readonly locationId: string }): string {
  return `${key.sku}\u0000${key.locationId}`;
}
