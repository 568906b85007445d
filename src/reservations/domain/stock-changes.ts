import type { InventoryEvent, InventoryEventType, ReservationCause } from "../../inventory/domain/inventory-event.js";
import type { PendingShipment } from "../../inventory/domain/pending-shipment.js";
import { availableOf, quantitiesOf, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Reservation } from "./reservation.js";

/** A stock record after one reservation step, and the event that reports it. */
export interface StockChange {
  readonly level: StockLevel;
  readonly event: InventoryEvent;
}

/**
 * Holds `reservation`'s quantity on `level`: reserved rises by it. The caller chose `level` with
 * {@link chooseLocation} under the record's lock; a reservation that does not fit is a bug here.
 */
export function holdStock(level: StockLevel, reservation: Reservation, at: Date, ids: IdGenerator): StockChange {
  if (availableOf(level.onHand, level.reserved) < reservation.quantity) {
    throw new Error(`reservation ${reservation.id} does not fit in ${level.sku}@${level.locationId}`);
  }
  return change(level, { reserved: level.reserved + reservation.quantity }, "StockReserved", reservation, at, ids);
}

/** Gives back an active reservation's quantity (release or expiry): reserved falls by it. */
export function releaseStock(
  level: StockLevel,
  reservation: Reservation,
  type: "ReservationReleased" | "ReservationExpired",
  at: Date,
  ids: IdGenerator,
): StockChange {
  assertHeld(level, reservation);
  return change(level, { reserved: level.reserved - reservation.quantity }, type, reservation, at, ids);
}

/**
 * Records that `reservation`'s order shipped: on_hand falls by its quantity at once (floored at 0,
 * in a shortfall), reserved falls by it if the reservation still held stock (a late fulfilment of an
 * expired reservation shipped units that were no longer held), and a pending shipment remembers the
 * units until a WMS count observed after them settles them (see `settleCounts`).
 */
export function shipStock(
  level: StockLevel,
  reservation: Reservation,
  at: Date,
  ids: IdGenerator,
): StockChange & { readonly shipment: PendingShipment } {
  const held = reservation.status === "active";
  if (held) assertHeld(level, reservation);
  const next = {
    onHand: Math.max(0, level.onHand - reservation.quantity),
    reserved: held ? level.reserved - reservation.quantity : level.reserved,
  };
  const shipment: PendingShipment = {
    reservationId: reservation.id,
    sku: level.sku,
    locationId: level.locationId,
    quantity: reservation.quantity,
    shippedAt: at,
  };
  return { ...change(level, next, "ReservationFulfilled", reservation, at, ids), shipment };
}

/** The event cause of `reservation`. */
export function reservationCause(reservation: Reservation): ReservationCause {
  return {
    kind: "reservation",
    reservationId: reservation.id,
    orderReference: reservation.orderReference,
    quantity: reservation.quantity,
    expiresAt: reservation.expiresAt,
    shipmentReference: reservation.shipmentReference,
  };
}

function change(
  level: StockLevel,
  quantities: { onHand?: number; reserved: number },
  type: InventoryEventType,
  reservation: Reservation,
  at: Date,
  ids: IdGenerator,
): StockChange {
  const next: StockLevel = { ...level, ...quantities, version: level.version + 1, updatedAt: at };
  const event: InventoryEvent = {
    eventId: ids.next(),
    type,
    sku: level.sku,
    locationId: level.locationId,
    delta: next.reserved - level.reserved,
    source: "reservation",
    occurredAt: at,
    before: quantitiesOf(level),
    after: quantitiesOf(next),
    version: next.version,
    cause: reservationCause(reservation),
  };
  return { level: next, event };
}

/** The counter must cover every active reservation; anything else is drift, never papered over. */
function assertHeld(level: StockLevel, reservation: Reservation): void {
  if (level.reserved < reservation.quantity) {
    throw new Error(
      `reserved counter of ${level.sku}@${level.locationId} (${level.reserved}) is below active reservation ${reservation.id} (${reservation.quantity}): counter drift`,
    );
  }
}
