import type { InventoryEvent } from "../../inventory/domain/inventory-event.js";

/** The version of the JSON body sent to the WMS (docs/reservations.md, WMS sync contract). */
export const RESERVATION_SYNC_VERSION = "invsync.reservation-sync.v1";

/** What happened to a reservation, as the WMS is told. */
export type SyncMessageType = "reserved" | "released" | "expired" | "fulfilled";

const TYPES: Partial<Record<InventoryEvent["type"], SyncMessageType>> = {
  StockReserved: "reserved",
  ReservationReleased: "released",
  ReservationExpired: "expired",
  ReservationFulfilled: "fulfilled",
};

/** One reservation change to push to the WMS; its id is the change's event id, so the WMS can dedupe. */
export interface SyncMessage {
  readonly messageId: string;
  readonly reservationId: string;
  readonly type: SyncMessageType;
  /** When the change was made. */
  readonly occurredAt: Date;
  /** The JSON body, as sent. */
  readonly body: string;
}

/**
 * The messages for the reservation changes among `events` (reserved, released, expired,
 * fulfilled), in the same order; other events (counts, shortfalls …) are not sent.
 */
export function syncMessagesOf(events: readonly InventoryEvent[]): SyncMessage[] {
  const messages: SyncMessage[] = [];
  for (const event of events) {
    const type = TYPES[event.type];
    if (type === undefined || event.cause.kind !== "reservation") continue;
    const { cause } = event;
    const body = {
      version: RESERVATION_SYNC_VERSION,
      messageId: event.eventId,
      type,
      reservationId: cause.reservationId,
      sku: event.sku,
      locationId: event.locationId,
      quantity: cause.quantity,
      orderReference: cause.orderReference,
      expiresAt: cause.expiresAt.toISOString(),
      shipmentReference: cause.shipmentReference,
      occurredAt: event.occurredAt.toISOString(),
    };
    messages.push({ messageId: event.eventId, reservationId: cause.reservationId, type, occurredAt: event.occurredAt, body: JSON.stringify(body) });
  }
  return messages;
}
