import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { EventType } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { GetInventoryRequestSchema } from "../../../gen/invsync/inventory/v1/inventory_service_pb.js";
import { decodeMessage, isInventoryEvent } from "../src/decode.js";
import { defaultRegistry } from "../src/message-registry.js";
import { eventTypeName, messageType } from "../src/message-types.js";
import { inventoryEvent, rawMessage } from "./event-fixtures.js";

describe("consumer kit: decoding", () => {
  const registry = defaultRegistry();

  it("decodes an InventoryEvent with its headers, subject, sequence and record", () => {
    const event = inventoryEvent("A.B", 3, 7);
    const decoded = decodeMessage(rawMessage(event, 41), registry);
    assert.ok(decoded.ok);
    const received = decoded.received;
    assert.ok(isInventoryEvent(received));
    assert.equal(received.message.sku, "A.B");
    assert.equal(received.message.after?.onHand, 7n);
    assert.equal(received.id, event.eventId);
    assert.equal(received.subject, "inventory.v1.stock_counted.A~2EB");
    assert.equal(received.streamSequence, 41);
    assert.equal(received.headers["Invsync-Event-Type"], "StockCounted");
    assert.deepEqual(received.record, { sku: "A.B", locationId: "default", version: 3n, sharesVersion: false });
  });

  it("names event types as the Invsync-Event-Type header does", () => {
    assert.equal(eventTypeName(EventType.STOCK_COUNTED), "StockCounted");
    assert.equal(eventTypeName(EventType.DISCREPANCY_AUTO_RESOLVED), "DiscrepancyAutoResolved");
    assert.equal(eventTypeName(EventType.STOCK_SHORTFALL_DETECTED), "StockShortfallDetected");
    assert.equal(eventTypeName(EventType.UNSPECIFIED), undefined);
  });

  it("marks a shortfall as sharing the version of the change it observes", () => {
    const decoded = decodeMessage(rawMessage(inventoryEvent("S", 2, 0, { type: EventType.STOCK_SHORTFALL_DETECTED }), 1), registry);
    assert.ok(decoded.ok);
    assert.equal(decoded.received.record?.sharesVersion, true);
  });

  const bad: Array<[string, (raw: ReturnType<typeof rawMessage>) => ReturnType<typeof rawMessage>, string, string | undefined]> = [
    ["no Invsync-Message", (r) => ({ ...r, headers: without(r.headers, "Invsync-Message") }), "missing-header", "Invsync-Message"],
    ["an unknown message type", (r) => ({ ...r, headers: { ...r.headers, "Invsync-Message": "invsync.events.v9.Nope" } }), "unknown-message-type", "Invsync-Message"],
    ["no Content-Type", (r) => ({ ...r, headers: without(r.headers, "Content-Type") }), "missing-header", "Content-Type"],
    ["a JSON content type", (r) => ({ ...r, headers: { ...r.headers, "Content-Type": "application/json" } }), "contradicting-header", "Content-Type"],
    ["no Nats-Msg-Id", (r) => ({ ...r, headers: without(r.headers, "Nats-Msg-Id") }), "missing-header", "Nats-Msg-Id"],
    ["a Nats-Msg-Id other than event_id", (r) => ({ ...r, headers: { ...r.headers, "Nats-Msg-Id": "other" } }), "contradicting-header", "Nats-Msg-Id"],
    ["no Invsync-Event-Type", (r) => ({ ...r, headers: without(r.headers, "Invsync-Event-Type") }), "missing-header", "Invsync-Event-Type"],
    ["an event type header that contradicts the payload", (r) => ({ ...r, headers: { ...r.headers, "Invsync-Event-Type": "StockMoved" } }), "contradicting-header", "Invsync-Event-Type"],
    ["a subject of another SKU", (r) => ({ ...r, subject: "inventory.v1.stock_counted.OTHER" }), "contradicting-header", "subject"],
    ["bytes that are not protobuf", (r) => ({ ...r, data: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]) }), "undecodable-payload", undefined],
    ["another message's bytes", (r) => ({ ...r, data: toBinary(GetInventoryRequestSchema, create(GetInventoryRequestSchema, { sku: "X" })) }), "invalid-payload", undefined],
  ];
  for (const [what, spoil, reason, header] of bad) {
    it(`reports ${what} as a dead letter (${reason})`, () => {
      const raw = spoil(rawMessage(inventoryEvent("SKU-1", 1, 5), 9));
      const decoded = decodeMessage(raw, registry);
      assert.equal(decoded.ok, false);
      if (decoded.ok) return;
      assert.equal(decoded.deadLetter.reason, reason, decoded.deadLetter.detail);
      assert.equal(decoded.deadLetter.header, header);
      assert.equal(decoded.deadLetter.raw, raw);
      assert.ok(decoded.deadLetter.detail.length > 10);
    });
  }

  it("decodes a type added to the registry in one line, outside version continuity", () => {
    const withRequests = registry.with(messageType(GetInventoryRequestSchema, { id: (m) => `req-${m.sku}` }));
    const raw = {
      subject: "inventory.v1.alert.X",
      streamSequence: 2,
      deliveryCount: 1,
      headers: { "Nats-Msg-Id": "req-X", "Content-Type": "application/protobuf", "Invsync-Message": "invsync.inventory.v1.GetInventoryRequest" },
      data: toBinary(GetInventoryRequestSchema, create(GetInventoryRequestSchema, { sku: "X" })),
    };
    const decoded = decodeMessage(raw, withRequests);
    assert.ok(decoded.ok);
    assert.equal(decoded.received.record, undefined);
    assert.equal(isInventoryEvent(decoded.received), false);
    assert.equal(decodeMessage(raw, registry).ok, false);
  });
});

function without(headers: Readonly<Record<string, string>>, name: string): Record<string, string> {
  const copy = { ...headers };
  delete copy[name];
  return copy;
}
