import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_LOCATION } from "./location-id.js";
import type { PendingShipment } from "./pending-shipment.js";
import { settleCounts } from "./settle-counts.js";
import { asSku } from "./sku.js";
import type { StockCount } from "./stock-count.js";
import { availableOf, stockKey, type StockLevel } from "./stock-level.js";

const SKU = asSku("S-1");
const KEY = stockKey(SKU, DEFAULT_LOCATION);
const T = Date.parse("2026-11-24T12:00:00Z");
let nextId = 0;
const ids = { next: () => `e-${++nextId}` };
let nextSequence = 0;

function level(onHand: number, reserved: number): StockLevel {
  return { sku: SKU, locationId: DEFAULT_LOCATION, onHand, reserved, version: 1, watermark: undefined, updatedAt: new Date(T) };
}

function count(quantity: number, observedAtMs: number): StockCount {
  const sequence = BigInt(++nextSequence);
  return {
    sku: SKU,
    locationId: DEFAULT_LOCATION,
    quantity,
    observedAt: new Date(observedAtMs),
    reason: "counted",
    origin: { wmsId: "w", sequence, batchId: "b", schemaVersion: "wms.v1" },
  };
}

function shipment(quantity: number, shippedAtMs: number, id = "r-1"): PendingShipment {
  return { reservationId: id, sku: SKU, locationId: DEFAULT_LOCATION, quantity, shippedAt: new Date(shippedAtMs) };
}

/** Ships `quantity` held units the way a fulfilment does (on_hand floored at zero). */
function ship(from: StockLevel, quantity: number): StockLevel {
  return { ...from, onHand: Math.max(0, from.onHand - quantity), reserved: from.reserved - quantity };
}

function settle(from: StockLevel, counts: StockCount[], pending: PendingShipment[], settleMs = 0) {
  return settleCounts(new Map([[KEY, from]]), counts, { pending: new Map([[KEY, pending]]), settleMs }, new Date(T), ids);
}

describe("settleCounts", () => {
  it("subtracts a shipment the count predates, and keeps it pending", () => {
    const result = settle(level(7, 4), [count(10, T - 1000)], [shipment(3, T)]);
    assert.equal(result.changed[0]?.onHand, 7);
    assert.deepEqual(result.settledShipments, []);
  });

  it("takes a count observed after the shipment (and its settle margin) as it is, and settles the shipment", () => {
    const result = settle(level(7, 4), [count(7, T + 5000)], [shipment(3, T)], 5000);
    assert.equal(result.changed[0]?.onHand, 7);
    assert.deepEqual(result.settledShipments, ["r-1"]);
  });

  it("settles nothing for a stale count", () => {
    const watermark = { wmsId: "w", sequence: 10_000_000n, observedAt: new Date(T) };
    const result = settle({ ...level(7, 0), watermark }, [count(9, T + 60_000)], [shipment(3, T)]);
    assert.deepEqual([result.outcomes[0]?.kind, result.settledShipments], ["stale", []]);
  });

  it("follows a count that leaves on_hand below reserved with StockShortfallDetected, at the same version", () => {
    const result = settle(level(5, 4), [count(1, T)], []);
    assert.deepEqual(result.events.map((e) => [e.type, e.version, e.delta]), [
      ["StockCounted", 2, -4],
      ["StockShortfallDetected", 2, -3],
    ]);
    assert.deepEqual(result.events[1]?.after, { onHand: 1, reserved: 4, available: 0 });
  });

  it("for a count taken before a shipment, ends at the same stock whichever arrives first, and never above it", () => {
    fc.assert(
      fc.property(
        fc.record({
          onHand: fc.nat(50),
          others: fc.nat(20),
          shipped: fc.integer({ min: 1, max: 20 }),
          counted: fc.nat(80),
          before: fc.integer({ min: 1, max: 600_000 }),
          settleMs: fc.nat(30_000),
        }),
        ({ onHand, others, shipped, counted, before, settleMs }) => {
          const start = level(onHand, others + shipped);
          const observed = T - before;
          // Count first, then the shipment.
          const counted1 = settle(start, [count(counted, observed)], [], settleMs).changed[0]!;
          const countFirst = ship(counted1, shipped);
          // Shipment first, then the (late) count.
          const shippedFirst = ship(start, shipped);
          const late = settle(shippedFirst, [count(counted, observed)], [shipment(shipped, T)], settleMs);
          const final = late.changed[0]!;
          assert.deepEqual([final.onHand, final.reserved], [countFirst.onHand, countFirst.reserved]);
          assert.deepEqual(late.settledShipments, [], "a count from before the shipment never settles it");
          const availableAfter = (l: StockLevel) => availableOf(l.onHand, l.reserved);
          assert.ok(availableAfter(shippedFirst) <= availableAfter(start), "a shipment never raises available");
          assert.ok(final.onHand >= 0 && availableAfter(final) >= 0);
        },
      ),
    );
  });
});
