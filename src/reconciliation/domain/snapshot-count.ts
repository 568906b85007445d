import type { FieldViolation } from "../../shared/errors.js";
import { asLocationId, DEFAULT_LOCATION, locationIdProblem, type LocationId } from "../../inventory/domain/location-id.js";
import { asSku, skuProblem, type Sku } from "../../inventory/domain/sku.js";

/** One line of a WMS snapshot, checked: the physical count of one record at one instant. */
export interface SnapshotCount {
  readonly sku: Sku;
  readonly locationId: LocationId;
  /** Sellable units counted. */
  readonly counted: number;
  /** When the WMS counted it. */
  readonly observedAt: Date;
}

/** A snapshot line as received, before it is checked. */
export interface SnapshotLine {
  readonly sku: string;
  readonly locationId: string;
  readonly quantity: bigint;
  /** Undefined: counted at the snapshot's `takenAt`. */
  readonly observedAt: Date | undefined;
}

/** Largest count a line may carry (as for WMS counts). */
export const MAX_SNAPSHOT_QUANTITY = 1_000_000_000_000n;

const EARLIEST = Date.UTC(2000, 0, 1);

/** When a snapshot was taken and how far ahead of our clock a line's time may be. */
export interface SnapshotClock {
  readonly takenAt: Date;
  readonly now: Date;
  readonly maxFutureSkewMs: number;
}

/**
 * Checks a page of snapshot lines: each one's SKU, location, quantity (whole, 0 to 10¹²) and time.
 * Returns the counts, or the violations (fields named `counts[i].…`, offset by `firstIndex`); a
 * snapshot is evidence, so one bad line refuses the page rather than comparing a partial one.
 */
export function checkSnapshotLines(
  lines: readonly SnapshotLine[],
  clock: SnapshotClock,
  firstIndex = 0,
): { readonly counts: SnapshotCount[]; readonly violations: FieldViolation[] } {
  const counts: SnapshotCount[] = [];
  const violations: FieldViolation[] = [];
  lines.forEach((line, i) => {
    const at = `counts[${firstIndex + i}]`;
    const before = violations.length;
    const sku = skuProblem(line.sku);
    if (sku) violations.push({ field: `${at}.sku`, reason: sku });
    const location = line.locationId === "" ? undefined : locationIdProblem(line.locationId);
    if (location) violations.push({ field: `${at}.location_id`, reason: location });
    if (line.quantity < 0n || line.quantity > MAX_SNAPSHOT_QUANTITY) {
      violations.push({ field: `${at}.quantity`, reason: `must be from 0 to ${MAX_SNAPSHOT_QUANTITY}, got ${line.quantity}` });
    }
    const observedAt = line.observedAt ?? clock.takenAt;
    const timeProblem = instantProblem(observedAt, clock);
    if (timeProblem) violations.push({ field: `${at}.observed_at`, reason: timeProblem });
    if (violations.length > before) return;
    counts.push({
      sku: asSku(line.sku),
      locationId: line.locationId === "" ? DEFAULT_LOCATION : asLocationId(line.locationId),
      counted: Number(line.quantity),
      observedAt,
    });
  });
  return { counts, violations };
}

/** Why `at` cannot be a snapshot's time (before 2000, or further ahead of our clock than the skew allows), or undefined. */
export function instantProblem(at: Date, clock: Pick<SnapshotClock, "now" | "maxFutureSkewMs">): string | undefined {
  if (Number.isNaN(at.getTime()) || at.getTime() < EARLIEST) return "must be after 2000-01-01";
  if (at.getTime() > clock.now.getTime() + clock.maxFutureSkewMs) return `must not be more than ${clock.maxFutureSkewMs / 1000} s ahead of our clock`;
  return undefined;
}
