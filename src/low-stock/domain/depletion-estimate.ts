import type { IdGenerator } from "../../shared/ids.js";
import type { ClearReason, LowStockAlert } from "./low-stock-alert.js";
import type { LowStockPolicy } from "./low-stock-policy.js";
import { outboundUnits, returnedUnits, type ObservedStockChange, type StockRecordKey } from "./stock-change.js";

const HOUR_MS = 3_600_000;
/** A time to stockout beyond a thousand years is "never". */
const NEVER_MS = 1000 * 365 * 24 * HOUR_MS;

/** The running-low alert a record has open. */
export interface OpenAlert {
  readonly eventId: string;
  readonly raisedAt: Date;
  /** Available when it was raised (a clear with more is a restock). */
  readonly available: number;
}

/**
 * What the estimator knows of one stock record: its available quantity and version as of the last
 * change seen, and the exponentially weighted sum of its outbound movement.
 *
 * The rate is an exponentially weighted moving rate with half-life H: each outbound unit adds 1 to
 * `weight`, and `weight` decays by half every H. Under a steady demand of λ units per unit of time,
 * `weight` tends to λ·H/ln 2, so the rate is `weight · ln 2 / H`. A record seen for less than a
 * few half-lives has had less time to accumulate weight: the rate divides by the weight that a
 * steady demand would have built since the record was first seen, `(H/ln 2)·(1 − 2^(−age/H))`,
 * with the age taken as at least H/2 so one early sale does not read as a torrent.
 */
export interface DepletionEstimate extends StockRecordKey {
  readonly available: number;
  /** The version of the last change applied; a change at or below it is a redelivery and changes nothing. */
  readonly version: number;
  /** Decayed sum of outbound units, as of `weightAt`. */
  readonly weight: number;
  readonly weightAt: Date;
  /** When the record was first seen (for the warm-up correction). */
  readonly since: Date;
  readonly alert: OpenAlert | undefined;
}

/** An estimate after a change or a check, and the alert it raised or cleared, if any. */
export interface Assessment {
  readonly estimate: DepletionEstimate;
  readonly alert: LowStockAlert | undefined;
}

/** The record's depletion rate at `at`, in units per hour (0 when no outbound movement was seen). */
export function depletionRatePerHour(estimate: DepletionEstimate, at: Date, policy: LowStockPolicy): number {
  const h = policy.halfLifeMs;
  const weight = decayed(estimate.weight, estimate.weightAt, at, h);
  if (weight <= 0) return 0;
  const age = Math.max(at.getTime() - estimate.since.getTime(), h / 2);
  const window = (h / Math.LN2) * (1 - Math.pow(2, -age / h));
  return (weight / window) * HOUR_MS;
}

/** Time until available reaches zero at the rate at `at`: `Infinity` when the rate is zero, 0 when already out. */
export function timeToStockoutMs(estimate: DepletionEstimate, at: Date, policy: LowStockPolicy): number {
  const rate = depletionRatePerHour(estimate, at, policy);
  if (rate <= 0) return Number.POSITIVE_INFINITY;
  const ms = (estimate.available / rate) * HOUR_MS;
  // Beyond what a date can hold (a rate decayed to almost nothing): never, as far as anyone can tell.
  return ms > NEVER_MS ? Number.POSITIVE_INFINITY : ms;
}

/**
 * Applies one committed change to the record's estimate (undefined: first sight of the record) and
 * says whether the record now starts or stops running low. A change at or below the estimate's
 * version was applied before (a redelivery) and changes nothing. A gap in versions needs no repair:
 * available is taken from the change, and the missed changes' movement is simply not counted.
 */
export function observeChange(estimate: DepletionEstimate | undefined, change: ObservedStockChange, policy: LowStockPolicy, ids: IdGenerator): Assessment {
  if (estimate && change.version <= estimate.version) return { estimate, alert: undefined };
  const at = estimate && change.at < estimate.weightAt ? estimate.weightAt : change.at;
  const before = estimate ? decayed(estimate.weight, estimate.weightAt, at, policy.halfLifeMs) : 0;
  const weight = Math.max(0, before + outboundUnits(change) - returnedUnits(change));
  const next: DepletionEstimate = {
    sku: change.sku,
    locationId: change.locationId,
    available: Math.max(0, change.availableAfter),
    version: change.version,
    weight,
    weightAt: at,
    since: estimate?.since ?? change.at,
    alert: estimate?.alert,
  };
  return assess(next, at, policy, ids);
}

/**
 * Looks at an estimate at `at` with no new change: a rate decays while nothing moves, so a record
 * running low can stop being so (demand eased). It never starts running low this way (the time to
 * stockout only grows while nothing moves).
 */
export function reassess(estimate: DepletionEstimate, at: Date, policy: LowStockPolicy, ids: IdGenerator): Assessment {
  return assess(estimate, at < estimate.weightAt ? estimate.weightAt : at, policy, ids);
}

function assess(estimate: DepletionEstimate, at: Date, policy: LowStockPolicy, ids: IdGenerator): Assessment {
  const ttsMs = timeToStockoutMs(estimate, at, policy);
  if (!estimate.alert && ttsMs < policy.horizonMs) {
    const alert = { type: "StockRunningLow" as const, ...facts(estimate, at, ttsMs, policy, ids) };
    return { estimate: { ...estimate, alert: { eventId: alert.eventId, raisedAt: at, available: estimate.available } }, alert };
  }
  if (estimate.alert && ttsMs > policy.horizonMs * policy.clearFactor) {
    const reason: ClearReason = estimate.available > estimate.alert.available ? "restocked" : "demand_eased";
    const alert = { type: "StockRunningLowCleared" as const, ...facts(estimate, at, ttsMs, policy, ids), reason, raisedEventId: estimate.alert.eventId };
    return { estimate: { ...estimate, alert: undefined }, alert };
  }
  return { estimate, alert: undefined };
}

function facts(estimate: DepletionEstimate, at: Date, ttsMs: number, policy: LowStockPolicy, ids: IdGenerator) {
  return {
    eventId: ids.next(),
    sku: estimate.sku,
    locationId: estimate.locationId,
    available: estimate.available,
    ratePerHour: depletionRatePerHour(estimate, at, policy),
    expectedStockoutAt: Number.isFinite(ttsMs) ? new Date(at.getTime() + ttsMs) : undefined,
    horizonMs: policy.horizonMs,
    halfLifeMs: policy.halfLifeMs,
    stockVersion: estimate.version,
    at,
  };
}

/** `weight` at `weightAt`, decayed to `at` with half-life `halfLifeMs`. */
function decayed(weight: number, weightAt: Date, at: Date, halfLifeMs: number): number {
  const elapsed = at.getTime() - weightAt.getTime();
  return elapsed <= 0 ? weight : weight * Math.pow(2, -elapsed / halfLifeMs);
}
