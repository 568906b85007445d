import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { backtest, judge } from "../bench/low-stock/backtest.js";
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
});
