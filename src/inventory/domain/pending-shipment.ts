import type { LocationId } from "./location-id.js";
import type { Sku } from "./sku.js";

/**
 * Units that left the warehouse by a local fulfilment and that a WMS count may not include yet.
 * A fulfilment lowers on_hand at once and records one; WMS counts observed before it had settled
 * still contain its units, so they are subtracted from such counts (see {@link unsettledQuantity}).
 */
export interface PendingShipment {
  /** The fulfilled reservation (one shipment per reservation). */
  readonly reservationId: string;
  readonly sku: Sku;
  readonly locationId: LocationId;
  /** Units shipped. */
  readonly quantity: number;
  /** When the fulfilment was recorded, by our clock. */
  readonly shippedAt: Date;
}

/**
 * True when a count observed at `observedAt` is trusted to include `shipment`: it was observed at
 * least `settleMs` after the shipment. The margin covers clock skew between the WMS and us and the
 * lag between a fulfilment call and the goods leaving; erring late only understates on_hand until
 * the next count, erring early would overstate it (an oversell risk).
 */
export function isSettledBy(shipment: PendingShipment, observedAt: Date, settleMs: number): boolean {
  return shipment.shippedAt.getTime() + settleMs <= observedAt.getTime();
}

/** Units of `shipments` that a count observed at `observedAt` does not include yet. */
export function unsettledQuantity(shipments: readonly PendingShipment[], observedAt: Date, settleMs: number): number {
  let units = 0;
  for (const shipment of shipments) if (!isSettledBy(shipment, observedAt, settleMs)) units += shipment.quantity;
  return units;
}
