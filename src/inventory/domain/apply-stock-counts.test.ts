import assert from "node:assert/strict";
import fc from "fast-check";
import { applyStockCounts } from "./apply-stock-counts.js";
import { DEFAULT_LOCATION, asLocationId } from "./location-id.js";
import { asSku } from "./sku.js";
import type { StockCount } from "./stock-count.js";
import { stockKey, type StockLevel } from "./stock-level.js";

const AT = new Date("2026-11-24T12:00:00Z");
let nextId = 0;
const ids = { next: () => `event-${++nextId}` };

function level(sku: string, overrides: Partial<StockLevel> = {}): StockLevel {
  return {
    sku: asSku(sku),
    locationId: DEFAULT_LOCATION,
    onHand: 0,
    reserved: 0,
    version: 0,
    watermark: undefined,
    updatedAt: new Date(0),
    ...overrides,
  };
}

function count(sku: string, quantity: number, sequence: number, overrides: Partial<StockCount> = {}, wmsId = "wms-a"): StockCount {
  return {
    sku: asSku(sku),
    locationId: DEFAULT_LOCATION,
    quantity,
    observedAt: new Date(AT.getTime() - 60_000 + sequence),
    reason: "counted",
    origin: { wmsId, sequence: BigInt(sequence), batchId: "b1", schemaVersion: "wms.v1" },
    ...overrides,
  };
}

function levels(...records: StockLevel[]): Map<string, StockLevel> {
  return new Map(records.map((r) => [stockKey(r.sku, r.locationId), r]));
}

describe("applyStockCounts", () => {
  it("sets on_hand from the count and emits StockCounted with the delta and before/after quantities", () => {
    const result = applyStockCounts(levels(level("A", { onHand: 10, reserved: 4, version: 3 })), [count("A", 7, 1)], AT, ids);
    assert.deepEqual(result.outcomes.map((o) => o.kind), ["applied"]);
    assert.equal(result.changed[0]?.onHand, 7);
    assert.equal(result.changed[0]?.reserved, 4, "reserved is owned locally and never touched by a WMS count");
    assert.equal(result.changed[0]?.version, 4);
    const event = result.events[0]!;
    assert.equal(event.type, "StockCounted");
    assert.equal(event.delta, -3);
    assert.deepEqual(event.before, { onHand: 10, reserved: 4, available: 6 });
    assert.deepEqual(event.after, { onHand: 7, reserved: 4, available: 3 });
    assert.equal(event.version, 4);
    assert.equal(event.cause.kind === "wms_update" && event.cause.sequence, 1n);
  });

  it("reports availability as zero, never negative, when a count falls below the reserved quantity", () => {
    const result = applyStockCounts(levels(level("A", { onHand: 10, reserved: 8 })), [count("A", 5, 1)], AT, ids);
    assert.deepEqual(result.events[0]?.after, { onHand: 5, reserved: 8, available: 0 });
  });

  it("treats a count older than the watermark of the same source as stale and changes nothing", () => {
    const watermark = { wmsId: "wms-a", sequence: 10n, observedAt: AT };
    const result = applyStockCounts(levels(level("A", { onHand: 3, watermark })), [count("A", 99, 9)], AT, ids);
    assert.deepEqual(result.outcomes, [{ kind: "stale" }]);
    assert.equal(result.changed.length, 0);
    assert.equal(result.events.length, 0);
  });

  it("judges a count from another source by observed_at", () => {
    const watermark = { wmsId: "wms-b", sequence: 500n, observedAt: AT };
    const older = count("A", 1, 1, { observedAt: new Date(AT.getTime() - 1) });
    const newer = count("A", 2, 2, { observedAt: new Date(AT.getTime() + 1) });
    const result = applyStockCounts(levels(level("A", { watermark })), [older, newer], AT, ids);
    assert.deepEqual(result.outcomes.map((o) => o.kind), ["stale", "applied"]);
    assert.equal(result.changed[0]?.onHand, 2);
  });

  it("applies counts for one record in sequence order whatever their order in the batch", () => {
    const result = applyStockCounts(levels(level("A")), [count("A", 30, 3), count("A", 10, 1), count("A", 20, 2)], AT, ids);
    assert.deepEqual(result.events.map((e) => e.after.onHand), [10, 20, 30]);
    assert.deepEqual(result.events.map((e) => e.version), [1, 2, 3]);
    assert.equal(result.changed[0]?.onHand, 30);
    assert.equal(result.changed[0]?.watermark?.sequence, 3n);
  });

  it("keeps locations of one SKU apart", () => {
    const dc = asLocationId("DC1");
    const result = applyStockCounts(
      levels(level("A"), level("A", { locationId: dc })),
      [count("A", 5, 1), count("A", 8, 2, { locationId: dc })],
      AT,
      ids,
    );
    assert.deepEqual(result.changed.map((l) => [l.locationId, l.onHand]).sort(), [["DC1", 8], ["default", 5]]);
  });

  it("emits an event for a confirmed count (delta 0): it is news for freshness", () => {
    const result = applyStockCounts(levels(level("A", { onHand: 4 })), [count("A", 4, 1)], AT, ids);
    assert.equal(result.events[0]?.delta, 0);
  });

  it("refuses to work on a record that was not loaded", () => {
    assert.throws(() => applyStockCounts(new Map(), [count("A", 1, 1)], AT, ids), /was not loaded/);
  });

  it("for any stream of counts from one source, in any batching, ends at the highest sequence's count", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ sequence: fc.integer({ min: 1, max: 1000 }), quantity: fc.nat(1000) }), {
          selector: (u) => u.sequence,
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 8 }),
        (stream, batchSize) => {
          const state = levels(level("A"));
          for (let i = 0; i < stream.length; i += batchSize) {
            const batch = stream.slice(i, i + batchSize).map((u) => count("A", u.quantity, u.sequence));
            const result = applyStockCounts(state, batch, AT, ids);
            for (const changed of result.changed) state.set(stockKey(changed.sku, changed.locationId), changed);
            for (const event of result.events) assert.ok(event.after.onHand >= 0 && event.after.available >= 0);
          }
          const newest = stream.reduce((a, b) => (b.sequence > a.sequence ? b : a));
          const final = state.get(stockKey("A", DEFAULT_LOCATION))!;
          assert.equal(final.onHand, newest.quantity);
          assert.equal(final.watermark?.sequence, BigInt(newest.sequence));
        },
      ),
    );
  });
});
