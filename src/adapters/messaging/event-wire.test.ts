import assert from "node:assert/strict";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { InventoryEventSchema } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import type { EventCause, InventoryEvent } from "../../inventory/domain/inventory-event.js";
import type { EventRoute } from "../../migration/domain/ingestion-path.js";
import { encodeEvent, toEventMessage } from "./event-codec.js";
import { SOURCES, TYPES } from "./event-wire.js";

const int64 = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const count = fc.oneof(fc.constant(0), fc.integer({ min: -1000, max: 1_000_000 }), int64);
const whole = fc.oneof(fc.constant(0), fc.nat(), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
const words = fc.oneof(fc.constant(""), fc.string(), fc.string({ unit: "binary", maxLength: 40 }));
const date = fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true });
const quantities = fc.record({ onHand: count, reserved: count, available: count });
const nonSellable = fc.record({ damaged: count, qualityHold: count });
const path = fc.constantFrom("legacy" as const, "shadow" as const, "new" as const);

const cause: fc.Arbitrary<EventCause> = fc.oneof(
  fc.record({
    kind: fc.constant("wms_update" as const),
    wmsId: words,
    sequence: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    batchId: words,
    schemaVersion: fc.constantFrom("wms.v1", "wms.v2", ""),
    observedAt: date,
    reason: fc.constantFrom("counted" as const, "received" as const, "shipped" as const, "adjusted" as const, "snapshot" as const),
    movement: fc.option(
      fc.record({
        kind: fc.constantFrom("receipt" as const, "pick" as const, "ship" as const, "adjustment" as const, "transfer" as const),
        status: fc.constantFrom("sellable" as const, "damaged" as const, "quality_hold" as const),
        reference: words,
      }),
      { nil: undefined },
    ),
  }),
  fc.record({ kind: fc.constant("reservation" as const), reservationId: words, orderReference: words, quantity: count, expiresAt: date, shipmentReference: words }),
  fc.record({ kind: fc.constant("operator" as const), actor: words, reason: words, note: words, requestId: words, expectedOnHand: count, discrepancyId: whole }),
  fc.record({ kind: fc.constant("reconciliation" as const), runId: whole, discrepancyId: whole, snapshotObservedAt: date, wmsCount: count, tolerance: count }),
);

const route: fc.Arbitrary<EventRoute> = fc.record(
  {
    decision: fc.record({
      path,
      reason: fc.constantFrom("kill_switch" as const, "cohort_flag" as const, "shadow_flag" as const, "no_flag" as const, "flags_unavailable" as const),
      flags: fc.option(fc.record({ killSwitch: fc.boolean(), cohort: fc.boolean(), shadow: fc.boolean() }), { nil: undefined }),
      flag: words,
      source: fc.constantFrom("unleash", "bootstrap", ""),
    }),
    cutover: fc.record({ from: fc.option(path, { nil: undefined }), seededFrom: fc.constantFrom("shadow_projection" as const, "inbox" as const) }),
  },
  { requiredKeys: ["decision"] },
);

// SKUs and locations are branded strings in the domain; any text is fair to the encoder.
const event = fc.record(
  {
    eventId: fc.oneof(fc.uuid(), fc.constant("")),
    type: fc.constantFrom(...(Object.keys(TYPES) as Array<InventoryEvent["type"]>)),
    sku: words,
    locationId: words,
    delta: count,
    source: fc.constantFrom(...(Object.keys(SOURCES) as Array<InventoryEvent["source"]>)),
    occurredAt: date,
    before: quantities,
    after: quantities,
    version: whole,
    cause,
    nonSellable: fc.record({ before: nonSellable, after: nonSellable }),
    route,
  },
  { requiredKeys: ["eventId", "type", "sku", "locationId", "delta", "source", "occurredAt", "before", "after", "version", "cause"] },
) as unknown as fc.Arbitrary<InventoryEvent>;

describe("encodeEvent (invsync.events.v1.InventoryEvent, written field by field)", () => {
  it("writes exactly the bytes the reflective protobuf runtime writes for the same event, for any event", () => {
    fc.assert(
      fc.property(event, (e) => {
        const reference = toBinary(InventoryEventSchema, toEventMessage(e));
        assert.deepEqual(Buffer.from(encodeEvent(e)), Buffer.from(reference));
      }),
      { numRuns: 3000 },
    );
  });

  it("writes long fields and messages the same way: lengths of two and three bytes, a buffer grown mid-message, then small again", () => {
    const long: InventoryEvent = {
      eventId: "e-long",
      type: "StockOverridden",
      sku: "S".repeat(300) as InventoryEvent["sku"],
      locationId: "" as InventoryEvent["locationId"],
      delta: -Number.MAX_SAFE_INTEGER,
      source: "operator",
      occurredAt: new Date(-1),
      before: { onHand: 1, reserved: 0, available: 1 },
      after: { onHand: 0, reserved: 0, available: 0 },
      version: Number.MAX_SAFE_INTEGER,
      cause: { kind: "operator", actor: "ops", reason: "PHYSICAL_COUNT", note: "é😀".repeat(7000), requestId: "r", expectedOnHand: -1, discrepancyId: 2 ** 40 },
    };
    const small: InventoryEvent = { ...long, sku: "S" as InventoryEvent["sku"], cause: { ...long.cause, note: "" } as InventoryEvent["cause"] };
    for (const e of [small, long, small]) assert.deepEqual(Buffer.from(encodeEvent(e)), Buffer.from(toBinary(InventoryEventSchema, toEventMessage(e))));
  });

  it("decodes to the same message: a counted WMS update with a route, and a reservation with none", () => {
    const counted: InventoryEvent = {
      eventId: "4a0e6f52-3c0b-4a53-9b8f-0d7f0c3a1e21",
      type: "StockCounted",
      sku: "SKU-1" as InventoryEvent["sku"],
      locationId: "DC-1" as InventoryEvent["locationId"],
      delta: -3,
      source: "wms",
      occurredAt: new Date("2026-12-02T00:00:00.123Z"),
      before: { onHand: 10, reserved: 2, available: 8 },
      after: { onHand: 7, reserved: 2, available: 5 },
      version: 4,
      cause: { kind: "wms_update", wmsId: "wms-a", sequence: 2n ** 63n + 5n, batchId: "b-1", schemaVersion: "wms.v1", observedAt: new Date("2026-12-01T23:59:59Z"), reason: "counted" },
      route: { decision: { path: "new", reason: "cohort_flag", flags: { killSwitch: false, cohort: true, shadow: false }, flag: "inventory-sync.cohort", source: "unleash" } },
    };
    const reserved: InventoryEvent = {
      ...counted,
      type: "StockReserved",
      source: "reservation",
      delta: 0,
      cause: { kind: "reservation", reservationId: "r-1", orderReference: "o-1", quantity: 2, expiresAt: new Date(0), shipmentReference: "" },
      route: undefined,
    };
    for (const e of [counted, reserved]) assert.deepEqual(fromBinary(InventoryEventSchema, encodeEvent(e)), toEventMessage(e));
    const decoded = fromBinary(InventoryEventSchema, encodeEvent(counted));
    assert.deepEqual([decoded.delta, decoded.cause?.kind.case, decoded.routing?.cohort, decoded.timestamp?.nanos], [-3n, "wmsUpdate", true, 123_000_000]);
  });
});
