import assert from "node:assert/strict";
import type { InventoryEvent } from "../../inventory/domain/inventory-event.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { syncMessagesOf } from "./sync-message.js";

function event(eventId: string, type: InventoryEvent["type"], reservationId = "r-1"): InventoryEvent {
  const at = new Date("2026-12-07T10:00:00Z");
  return {
    eventId,
    type,
    sku: asSku("SKU-1"),
    locationId: asLocationId("AMS"),
    delta: 1,
    source: "reservation",
    occurredAt: at,
    before: { onHand: 5, reserved: 0, available: 5 },
    after: { onHand: 5, reserved: 1, available: 4 },
    version: 2,
    cause: { kind: "reservation", reservationId, orderReference: "O-1", quantity: 1, expiresAt: at, shipmentReference: type === "ReservationFulfilled" ? "SHIP-1" : "" },
  } as InventoryEvent;
}

describe("syncMessagesOf", () => {
  it("makes one message per reservation change, keyed by the event id, in order; other events are not sent", () => {
    const events = [event("e1", "StockReserved"), event("e2", "StockShortfallDetected"), event("e3", "ReservationExpired"), event("e4", "ReservationFulfilled")];
    const messages = syncMessagesOf(events);
    assert.deepEqual(messages.map((m) => [m.messageId, m.type]), [["e1", "reserved"], ["e3", "expired"], ["e4", "fulfilled"]]);
    assert.deepEqual(JSON.parse(messages[2]!.body), {
      version: "invsync.reservation-sync.v1",
      messageId: "e4",
      type: "fulfilled",
      reservationId: "r-1",
      sku: "SKU-1",
      locationId: "AMS",
      quantity: 1,
      orderReference: "O-1",
      expiresAt: "2026-12-07T10:00:00.000Z",
      shipmentReference: "SHIP-1",
      occurredAt: "2026-12-07T10:00:00.000Z",
    });
  });
});
