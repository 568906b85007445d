import assert from "node:assert/strict";
import fc from "fast-check";
import { applyStockCounts } from "./apply-stock-counts.js";
import { applyStockMovements } from "./apply-stock-movements.js";
import { asLocationId, DEFAULT_LOCATION } from "./location-id.js";
import type { StockStatus } from "./non-sellable.js";
import { asSku } from "./sku.js";
import type { StockCount } from "./stock-count.js";
import { stockKey, type StockLevel } from "./stock-level.js";
import type { MovementKind, StockMovement } from "./stock-movement.js";

const AT = new Date("2026-11-24T12:00:00Z");
let nextId = 0;
const ids = { next: () => `event-${++nextId}` };
const DC2 = asLocationId("DC-2");

function level(overrides: Partial<StockLevel> = {}): StockLevel {
  return { sku: asSku("A"), locationId: DEFAULT_LOCATION, onHand: 0, reserved: 0, version: 0, watermark: undefined, updatedAt: new Date(0), ...overrides };
}
function levels(...records: StockLevel[]): Map<string, StockLevel> {
  return new Map(records.map((r) => [stockKey(r.sku, r.locationId), r]));
}
function move(sequence: number, delta: number, kind: MovementKind = delta > 0 ? "receipt" : "pick", status: StockStatus = "sellable"): StockMovement {
  return {
    sku: asSku("A"),
    kind,
    legs: [{ locationId: DEFAULT_LOCATION, status, delta }],
    observedAt: new Date(AT.getTime() - 60_000 + sequence),
    reference: "",
    origin: { wmsId: "wms-a", sequence: BigInt(sequence), batchId: "b", schemaVersion: "wms.v2" },
  };
}
function count(sequence: number, quantity: number): StockCount {
  return {
    sku: asSku("A"),
    locationId: DEFAULT_LOCATION,
    quantity,
    observedAt: new Date(AT.getTime() - 60_000 + sequence),
    reason: "snapshot",
    origin: { wmsId: "wms-a", sequence: BigInt(sequence), batchId: "b", schemaVersion: "wms.v2" },
  };
}

describe("applyStockMovements", () => {
  it("adds a receipt's delta to on_hand and emits StockMoved with the movement in the cause", () => {
    const result = applyStockMovements(levels(level({ onHand: 5, reserved: 2, version: 1 })), [move(1, 7)], AT, ids);
    assert.equal(result.outcomes[0]?.kind, "applied");
    const event = result.events[0]!;
    assert.deepEqual([event.type, event.delta, event.before.onHand, event.after.onHand, event.after.available, event.version], ["StockMoved", 7, 5, 12, 10, 2]);
    assert.deepEqual(event.cause.kind === "wms_update" && event.cause.movement, { kind: "receipt", status: "sellable", reference: "" });
  });

  it("refuses a movement that would take stock below zero, whole, with the quantities in the reason", () => {
    const result = applyStockMovements(levels(level({ onHand: 3 })), [move(1, -5)], AT, ids);
    const outcome = result.outcomes[0]!;
    assert.equal(outcome.kind, "refused");
    assert.equal(outcome.kind === "refused" && outcome.code, "MOVEMENT_BELOW_ZERO");
    assert.match(outcome.kind === "refused" ? outcome.reason : "", /from 3 to -2/);
    assert.equal(result.changed.length, 0);
    assert.equal(result.events.length, 0);
  });

  it("keeps damaged and quality-hold stock apart from on_hand and never available", () => {
    const result = applyStockMovements(levels(level({ onHand: 10 })), [move(1, 4, "adjustment", "damaged")], AT, ids);
    const changed = result.changed[0]!;
    assert.equal(changed.onHand, 10);
    assert.deepEqual(changed.nonSellable, { damaged: 4, qualityHold: 0 });
    assert.deepEqual(result.events[0]?.nonSellable, { before: { damaged: 0, qualityHold: 0 }, after: { damaged: 4, qualityHold: 0 } });
    assert.equal(result.events[0]?.after.available, 10);
  });

  it("applies a transfer's two legs together, or refuses both", () => {
    const transfer = (sequence: number, units: number): StockMovement => ({
      ...move(sequence, units, "transfer"),
      legs: [
        { locationId: DEFAULT_LOCATION, status: "sellable", delta: -units },
        { locationId: DC2, status: "sellable", delta: units },
      ],
    });
    const state = levels(level({ onHand: 5 }), level({ locationId: DC2 }));
    const result = applyStockMovements(state, [transfer(1, 3), transfer(2, 3)], AT, ids);
    assert.deepEqual(result.outcomes.map((o) => o.kind), ["applied", "refused"]);
    assert.deepEqual(result.changed.map((l) => [l.locationId, l.onHand]).sort(), [["DC-2", 3], ["default", 2]]);
  });

  it("treats a movement the newest count already includes as stale", () => {
    const watermark = { wmsId: "wms-a", sequence: 10n, observedAt: AT };
    const result = applyStockMovements(levels(level({ onHand: 8, watermark })), [move(9, -3), move(11, -3)], AT, ids);
    assert.deepEqual(result.outcomes.map((o) => o.kind), ["stale", "applied"]);
    assert.equal(result.changed[0]?.onHand, 5);
  });

  it("for any interleaving of counts and movements, in any batching and batch order, never goes negative and ends where the WMS is", () => {
    // The WMS's own ledger: a stream of receipts/picks that never goes below zero, with snapshots of
    // the running total now and then. Whatever batching, we must end at the WMS's final quantity.
    const steps = fc.array(fc.record({ delta: fc.integer({ min: -5, max: 8 }), snapshot: fc.boolean() }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(steps, fc.integer({ min: 1, max: 10 }), fc.boolean(), (plan, batchSize, shuffled) => {
        let wmsQuantity = 0;
        const stream: Array<StockCount | StockMovement> = [];
        plan.forEach((step, i) => {
          const delta = wmsQuantity + step.delta < 0 ? -wmsQuantity : step.delta;
          if (step.snapshot || delta === 0) stream.push(count(i + 1, wmsQuantity + delta));
          else stream.push(move(i + 1, delta, "adjustment"));
          wmsQuantity += delta;
        });
        const state = levels(level());
        const ledger: Array<{ sequence: bigint; delta: number }> = [];
        const movedAfter = (_key: string, c: StockCount) => ({
          sellable: ledger.filter((m) => m.sequence > c.origin.sequence).reduce((sum, m) => sum + m.delta, 0),
          damaged: 0,
          qualityHold: 0,
        });
        const batches = Array.from({ length: Math.ceil(stream.length / batchSize) }, (_, b) => stream.slice(b * batchSize, (b + 1) * batchSize));
        if (shuffled) batches.reverse();
        let refused = 0;
        for (const batch of batches) {
          const counts = applyStockCounts(state, batch.filter((u): u is StockCount => "quantity" in u), AT, ids, movedAfter);
          for (const changed of counts.changed) state.set(stockKey(changed.sku, changed.locationId), changed);
          const moves = applyStockMovements(state, batch.filter((u): u is StockMovement => "legs" in u), AT, ids);
          for (const changed of moves.changed) state.set(stockKey(changed.sku, changed.locationId), changed);
          for (const event of moves.events) if (event.cause.kind === "wms_update") ledger.push({ sequence: event.cause.sequence, delta: event.delta });
          for (const event of [...counts.events, ...moves.events]) assert.ok(event.after.onHand >= 0);
          refused += moves.outcomes.filter((o) => o.kind === "refused").length;
        }
        // In order, a consistent WMS stream is never refused. Out of order, a pick can arrive before
        // the receipt it needs: it is refused (never clamped) and waits for a replay.
        if (!shuffled) assert.equal(refused, 0, "a consistent WMS stream in order is never refused");
        if (refused === 0) assert.equal(state.get(stockKey("A", DEFAULT_LOCATION))!.onHand, wmsQuantity);
      }),
      { numRuns: 500 },
    );
  });
});
