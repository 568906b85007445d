import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { EventSource, EventType, InventoryEventSchema, type InventoryEvent } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { eventTypeName } from "../src/message-types.js";
import type { RawMessage } from "../src/raw-message.js";
import { skuToken, typeToken } from "../src/subjects.js";

/** An InventoryEvent as the service publishes it (a count that set `on_hand` to `onHand`). */
export function inventoryEvent(sku: string, version: number, onHand: number, overrides: Omit<MessageInitShape<typeof InventoryEventSchema>, "$typeName"> = {}): InventoryEvent {
  return create(InventoryEventSchema, {
    eventId: randomUUID(),
    type: EventType.STOCK_COUNTED,
    sku,
    locationId: "default",
    delta: 0n,
    source: EventSource.WMS,
    timestamp: timestampFromDate(new Date()),
    before: { onHand: 0n, reserved: 0n, available: 0n },
    after: { onHand: BigInt(onHand), reserved: 0n, available: BigInt(onHand) },
    version: BigInt(version),
    ...overrides,
  });
}

/** The message the relay would publish for `event` (subject, the four headers, protobuf bytes). */
export function rawMessage(event: InventoryEvent, streamSequence: number, prefix = "inventory", deliveryCount = 1): RawMessage {
  const name = eventTypeName(event.type) ?? "Unknown";
  return {
    subject: `${prefix}.v1.${typeToken(name)}.${skuToken(event.sku)}`,
    streamSequence,
    deliveryCount,
    headers: {
      "Nats-Msg-Id": event.eventId,
      "Content-Type": "application/protobuf",
      "Invsync-Message": "invsync.events.v1.InventoryEvent",
      "Invsync-Event-Type": name,
    },
    data: toBinary(InventoryEventSchema, event),
  };
}
