/** Thrown for a low-stock setting that cannot work (a horizon or half-life that is not a positive duration). */
export class InvalidLowStockPolicy extends Error {
  override readonly name = "InvalidLowStockPolicy";
  readonly code = "LOW_STOCK.INVALID_POLICY";

  constructor(
    /** The setting at fault (`horizonMs`, `halfLifeMs`, `clearFactor`). */
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * When a record counts as running low. A record is running low when its expected time to stockout
 * (available ÷ depletion rate) is under `horizonMs`; it stops being so only once that time is over
 * `horizonMs × clearFactor` (hysteresis: an estimate wobbling around the horizon does not flap).
 */
export interface LowStockPolicy {
  /** The look-ahead: raise when the stockout is expected sooner than this. */
  readonly horizonMs: number;
  /** Outbound movement this long ago weighs half as much as movement now. */
  readonly halfLifeMs: number;
  /** Clear once the expected stockout is further than `horizonMs × clearFactor` (at least 1). */
  readonly clearFactor: number;
}

/** `policy`, checked: throws {@link InvalidLowStockPolicy} naming the first setting that cannot work. */
export function lowStockPolicy(policy: LowStockPolicy): LowStockPolicy {
  if (!Number.isFinite(policy.horizonMs) || policy.horizonMs <= 0) throw new InvalidLowStockPolicy("horizonMs", `must be a positive number, not ${policy.horizonMs}`);
  if (!Number.isFinite(policy.halfLifeMs) || policy.halfLifeMs <= 0) throw new InvalidLowStockPolicy("halfLifeMs", `must be a positive number, not ${policy.halfLifeMs}`);
  if (!Number.isFinite(policy.clearFactor) || policy.clearFactor < 1) throw new InvalidLowStockPolicy("clearFactor", `must be a number of at least 1, not ${policy.clearFactor}`);
  return { ...policy };
}
