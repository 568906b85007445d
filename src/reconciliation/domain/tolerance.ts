/**
 * How far on_hand may differ from a WMS snapshot count and still be corrected automatically: up to
 * `units`, or up to `percent` of our on_hand when that is more. Above it, a person decides.
 */
export interface Tolerance {
  /** Units of difference always auto-resolved (0 = none). */
  readonly units: number;
  /** Percent of our on_hand auto-resolved when it exceeds `units` (0 = off). */
  readonly percent: number;
}

/** The largest difference (in units) auto-resolved for a record holding `ours` on hand. */
export function toleranceFor(ours: number, tolerance: Tolerance): number {
  return Math.max(tolerance.units, Math.floor((ours * tolerance.percent) / 100));
}

/** True when the WMS's `theirs` is close enough to `ours` for the WMS count to win without review. */
export function withinTolerance(ours: number, theirs: number, tolerance: Tolerance): boolean {
  return Math.abs(theirs - ours) <= toleranceFor(ours, tolerance);
}
