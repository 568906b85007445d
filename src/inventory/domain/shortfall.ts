import type { IdGenerator } from "../../shared/ids.js";
import type { InventoryEvent } from "./inventory-event.js";
import type { StockLevel, StockQuantities } from "./stock-level.js";

/** A stock record whose on_hand is below its reserved quantity: stock was promised that is not there. */
export interface Shortfall {
  readonly sku: StockLevel["sku"];
  readonly locationId: StockLevel["locationId"];
  readonly onHand: number;
  readonly reserved: number;
}

/** Units promised but not on hand (0 when there is no shortfall). */
export function shortageOf(quantities: Pick<StockQuantities, "onHand" | "reserved">): number {
  return Math.max(0, quantities.reserved - quantities.onHand);
}

/** The shortfall of `level`, or undefined when it has none. */
export function shortfallOf(level: StockLevel): Shortfall | undefined {
  if (shortageOf(level) === 0) return undefined;
  return { sku: level.sku, locationId: level.locationId, onHand: level.onHand, reserved: level.reserved };
}

/**
 * The `StockShortfallDetected` event a change calls for, or undefined. It is an observation, not a
 * change: it carries the change's version and cause, and `delta` = on_hand − reserved (negative).
 * - `when: "changed"` (WMS counts): the change leaves on_hand below reserved and the shortage differs
 *   from the one before (a new or changed shortfall); repeating the same count repeats nothing.
 * - `when: "grown"` (reservation steps): the shortage grew, which only a late fulfilment of an
 *   expired reservation whose units were promised again can do; releases only shrink it.
 */
export function shortfallDetected(change: InventoryEvent, ids: IdGenerator, when: "changed" | "grown"): InventoryEvent | undefined {
  const shortage = shortageOf(change.after);
  const before = shortageOf(change.before);
  if (shortage === 0 || shortage === before || (when === "grown" && shortage < before)) return undefined;
  return { ...change, eventId: ids.next(), type: "StockShortfallDetected", delta: -shortage, before: change.after };
}
