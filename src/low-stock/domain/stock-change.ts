import type { InventoryEventType } from "../../inventory/domain/inventory-event.js";

/** A record's identity: SKU and location. */
export interface StockRecordKey {
  readonly sku: string;
  readonly locationId: string;
}

/**
 * One committed change of a stock record as the low-stock estimator sees it: an inventory event
 * reduced to what depletion depends on (its type, the record's version and available before and
 * after, when it committed).
 */
export interface ObservedStockChange extends StockRecordKey {
  readonly type: InventoryEventType;
  /** The record's version after the change (rises by one per change). */
  readonly version: number;
  readonly availableBefore: number;
  readonly availableAfter: number;
  /** When the change committed. */
  readonly at: Date;
}

/**
 * Units of outbound movement in `change`: what it took from available for a demand (a reservation, a
 * WMS count or movement that lowered stock: a shipment, a sale, shrinkage). Zero for changes that add
 * stock and for corrections (operator overrides, reconciliation), which are not demand. A fulfilment
 * normally leaves available as it was (on_hand and reserved fall together: its units were counted
 * when reserved), so it counts only what it took beyond that.
 */
export function outboundUnits(change: ObservedStockChange): number {
  if (!DEMAND.has(change.type)) return 0;
  return Math.max(0, change.availableBefore - change.availableAfter);
}

/** Units given back to available by a released or expired reservation: demand that did not happen. */
export function returnedUnits(change: ObservedStockChange): number {
  if (change.type !== "ReservationReleased" && change.type !== "ReservationExpired") return 0;
  return Math.max(0, change.availableAfter - change.availableBefore);
}

const DEMAND: ReadonlySet<InventoryEventType> = new Set(["StockReserved", "ReservationFulfilled", "StockCounted", "StockMoved"]);
