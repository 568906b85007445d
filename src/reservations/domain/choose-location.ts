import type { LocationId } from "../../inventory/domain/location-id.js";
import { availableOf, type StockLevel } from "../../inventory/domain/stock-level.js";
import { insufficientStock } from "./reservation-errors.js";

/**
 * The stock record a reservation of `quantity` is taken from. A reservation is never split.
 * - A named location: that record, if its available quantity covers `quantity`.
 * - No location ("any"): among the SKU's records whose available quantity covers `quantity`, the
 *   one with the most available; on a tie, the lowest location id (byte order). Deterministic for a
 *   given state, and it keeps the largest remaining blocks whole.
 * Otherwise throws `RESERVATION.INSUFFICIENT_STOCK` with the most available at a single eligible
 * location (0 when the SKU or location has no stock record).
 *
 * @param levels the SKU's records (all of them, or the named one), locked by the caller.
 */
export function chooseLocation(
  sku: string,
  levels: readonly StockLevel[],
  quantity: number,
  requested: LocationId | undefined,
): StockLevel {
  const eligible = requested === undefined ? levels : levels.filter((level) => level.locationId === requested);
  let best: StockLevel | undefined;
  for (const level of eligible) {
    if (!best || isBetter(level, best)) best = level;
  }
  const available = best ? availableOf(best.onHand, best.reserved) : 0;
  if (!best || available < quantity) throw insufficientStock(sku, requested, quantity, available);
  return best;
}

function isBetter(candidate: StockLevel, incumbent: StockLevel): boolean {
  const a = availableOf(candidate.onHand, candidate.reserved);
  const b = availableOf(incumbent.onHand, incumbent.reserved);
  return a > b || (a === b && candidate.locationId < incumbent.locationId);
}
