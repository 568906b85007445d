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
 * The `StockShortfallDetected` event a `StockCounted` event calls for, or undefined. One is emitted
 * when a count leaves on_hand below reserved and the shortage differs from the one before the count
 * (a new shortfall, or a changed one); repeating the same count does not repeat the event. It is an
 * observation, not a change: it carries the count's version and its cause.
 */
export function shortfallDetected(counted: InventoryEvent, ids: IdGenerator): InventoryEvent | undefined {
  const shortage = shortageOf(counted.after);
  if (shortage === 0 || shortage === shortageOf(counted.before)) return undefined;
  return { ...counted, eventId: ids.next(), type: "StockShortfallDetected", delta: -shortage, before: counted.after };
}
