import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DEFAULT_DAY as HARNESS_DAY, QUICK_DAY as HARNESS_QUICK_DAY, simulateDay, type SimulatedDay, type WmsEvent } from "../bench/evaluate/simulated-day.js";
import { backtest, judge } from "../bench/low-stock/backtest.js";
import { harnessDayChanges } from "../bench/low-stock/harness-day.js";
import { DEFAULT_DAY, seededDay } from "../bench/low-stock/seeded-day.js";
import type { InventoryEventType } from "../src/inventory/domain/inventory-event.js";
import { lowStockPolicy } from "../src/low-stock/domain/low-stock-policy.js";
import type { ObservedStockChange } from "../src/low-stock/domain/stock-change.js";

const MINUTE = 60_000;
const T0 = Date.parse("2026-12-07T00:00:00Z");
const policy = lowStockPolicy({ horizonMs: 60 * MINUTE, halfLifeMs: 30 * MINUTE, clearFactor: 1.5 });

/** One record's changes from (minute, type, available after). */
function record(sku: string, steps: ReadonlyArray<[number, InventoryEventType, number]>): ObservedStockChange[] {
  let available = 0;
  return steps.map(([minute, type, after], i) => {
    const change = { sku, locationId: "L", type, version: i + 1, availableBefore: available, availableAfter: after, at: new Date(T0 + minute * MINUTE) };
    available = after;
    return change;
  });
}

describe("low-stock backtest (bench/low-stock)", () => {
  it("judges a stockout by the alert open at it: in time a horizon ahead, late closer, missed without one", () => {
    const h = 60 * MINUTE;
    const at = new Date(T0 + 5 * h);
    const base = { sku: "S", locationId: "L", at, early: false };
    assert.equal(judge(base, [{ at: T0 + 3 * h, closedAt: Number.POSITIVE_INFINITY }], h).verdict, "in_time");
    assert.equal(judge(base, [{ at: T0 + 4.5 * h, closedAt: Number.POSITIVE_INFINITY }], h).verdict, "late");
    assert.equal(judge(base, [{ at: T0 + 2 * h, closedAt: T0 + 3 * h }], h).verdict, "missed");
    assert.equal(judge(base, [], h).verdict, "missed");
  });

  it("counts a steady drain seen coming as in time, a sudden emptying as late, and an alert with no stockout after as false", () => {
    // A: 10 units an hour from 30: raised under an hour out, empty 3 h in; after the warm-up, in time only if raised an hour ahead.
    const steady: Array<[number, InventoryEventType, number]> = [[0, "StockCounted", 40]];
    for (let i = 1; i <= 40; i++) steady.push([i * 6, "StockReserved", 40 - i]);
    // B: sells slowly, then one order takes everything: seen only as it happens.
    const sudden: Array<[number, InventoryEventType, number]> = [[0, "StockCounted", 100], [90, "StockReserved", 99], [180, "StockReserved", 98], [200, "StockReserved", 0]];
    // C: drains to 3 units, then is restocked and never runs out.
    const rescued: Array<[number, InventoryEventType, number]> = [[0, "StockCounted", 20]];
    for (let i = 1; i <= 17; i++) rescued.push([i * 4, "StockReserved", 20 - i]);
    rescued.push([80, "StockCounted", 500], [600, "StockCounted", 500]);
    const changes = [...record("A", steady), ...record("B", sudden), ...record("C", rescued)].sort((x, y) => x.at.getTime() - y.at.getTime());
    const result = backtest(changes, { policy, sweepEveryMs: MINUTE, falseAfterHorizons: 2 });
    assert.deepEqual(
      [result.stockouts, result.predictedInTime, result.late, result.missed, result.falseAlerts],
      [2, 1, 1, 0, 1],
      JSON.stringify(result),
    );
  });

  it("bench/results/low-stock-backtest.json holds what the backtest computes for its day and settings", () => {
    const saved = JSON.parse(readFileSync("bench/results/low-stock-backtest.json", "utf8"));
    assert.deepEqual([saved.day.seed, saved.day.skus, saved.day.locations], [DEFAULT_DAY.seed, DEFAULT_DAY.skus, DEFAULT_DAY.locations]);
    const changes = seededDay(DEFAULT_DAY);
    assert.equal(saved.day.changes, changes.length);
    const row = saved.runs.find((r: { horizonMinutes: number; halfLifeMinutes: number }) => r.horizonMinutes === saved.defaults.horizonMinutes && r.halfLifeMinutes === saved.defaults.halfLifeMinutes);
    const again = backtest(changes, {
      policy: lowStockPolicy({ horizonMs: row.horizonMinutes * MINUTE, halfLifeMs: row.halfLifeMinutes * MINUTE, clearFactor: row.clearFactor }),
      sweepEveryMs: saved.judging.sweepEverySeconds * 1000,
      falseAfterHorizons: saved.judging.falseAfterHorizons,
    });
    const { replayMs: _, horizonMinutes: _h, halfLifeMinutes: _l, clearFactor: _c, ...figures } = row;
    assert.deepEqual({ ...again }, figures);
  });

  describe("on the evaluation harness's simulated day (bench/low-stock/harness-day.ts)", () => {
    const wms = (kind: WmsEvent["kind"], observedMs: number, deliverMs: number, sequence: number, quantity = 0): WmsEvent => ({
      kind, sku: "A", location: "DC-1", observedMs, deliverMs, source: "wms-dc-1", sequence, quantity, reported: true, duplicate: false,
    });
    const tiny = (events: WmsEvent[], orders: SimulatedDay["orders"]): SimulatedDay => ({
      settings: HARNESS_QUICK_DAY,
      records: [{ sku: "A", location: "DC-1", startingStock: 5 }],
      wms: events,
      orders,
    });
    const steps = (day: SimulatedDay) => harnessDayChanges(day, new Date(T0)).map((c) => [c.at.getTime() - T0, c.type, c.version, c.availableBefore, c.availableAfter]);

    it("follows what reaches the service: a count of the floor, a reservation, its fulfilment picking the floor, a stale late count skipped", () => {
      const day = tiny(
        [wms("count", 1_000, 9_000, 1), wms("count", 3_000, 3_000, 2), wms("shipment", 4_000, 4_000, 3, 1)],
        [{ id: "L1", sku: "A", quantity: 3, atMs: 500, closeMs: 2_000, cancelled: false }, { id: "L2", sku: "A", quantity: 9, atMs: 600, closeMs: 700, cancelled: false }],
      );
      assert.deepEqual(steps(day), [
        [0, "StockCounted", 1, 0, 5],
        [500, "StockReserved", 2, 5, 2], // L2 (9 units) is refused: nothing changes
        [2_000, "ReservationFulfilled", 3, 2, 2],
        [3_000, "StockCounted", 4, 2, 2], // the floor after the pick: 2
        [4_000, "StockMoved", 5, 2, 1],
        // the count observed at 1,000 arrives at 9,000, behind the one of 3,000: stale, no change
      ]);
    });

    it("a cancelled line is released; on the quick day every record's versions rise by one and nothing is reserved past what was available", () => {
      assert.deepEqual(steps(tiny([], [{ id: "L1", sku: "A", quantity: 2, atMs: 10, closeMs: 20, cancelled: true }])), [
        [0, "StockCounted", 1, 0, 5],
        [10, "StockReserved", 2, 5, 3],
        [20, "ReservationReleased", 3, 3, 5],
      ]);
      const changes = harnessDayChanges(simulateDay(HARNESS_QUICK_DAY), new Date(T0));
      const last = new Map<string, number>();
      for (const c of changes) {
        const key = `${c.sku}@${c.locationId}`;
        assert.equal(c.version, (last.get(key) ?? 0) + 1, key);
        last.set(key, c.version);
        assert.ok(c.availableBefore >= 0 && c.availableAfter >= 0);
        if (c.type === "StockReserved") assert.ok(c.availableAfter < c.availableBefore);
      }
      assert.equal(last.size, HARNESS_QUICK_DAY.skus * HARNESS_QUICK_DAY.warehouses);
      assert.ok(changes.some((c) => c.type === "StockMoved") && changes.some((c) => c.type === "ReservationFulfilled"));
    });

    it("bench/results/low-stock-backtest-harness.json is of the harness's default day, and its figures add up", () => {
      const saved = JSON.parse(readFileSync("bench/results/low-stock-backtest-harness.json", "utf8"));
      assert.deepEqual(saved.day.settings, JSON.parse(JSON.stringify(HARNESS_DAY)));
      for (const run of saved.runs) {
        assert.equal(run.predictedInTime + run.late + run.missed, run.stockouts);
        assert.ok(run.falseAlerts + run.unjudgedAlerts <= run.alertsRaised);
      }
    });
  });
});
