import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_LOCATION } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { isStale } from "../../inventory/domain/apply-stock-counts.js";
import type { StockLevel } from "../../inventory/domain/stock-level.js";
import { correctStock, CORRECTION_SOURCES } from "./stock-correction.js";

const T = Date.parse("2026-11-24T12:00:00Z");
let nextId = 0;
const ids = { next: () => `e-${++nextId}` };
const operator = { kind: "operator" as const, actor: "ann", reason: "PHYSICAL_COUNT", note: "n", requestId: "r", expectedOnHand: 0, discrepancyId: 0 };
const reconciliation = { kind: "reconciliation" as const, runId: 7, discrepancyId: 3, snapshotObservedAt: new Date(T), wmsCount: 5, tolerance: 2 };

function level(onHand: number, reserved: number, watermarkAt?: number): StockLevel {
  return {
    sku: asSku("S-1"),
    locationId: DEFAULT_LOCATION,
    onHand,
    reserved,
    version: 4,
    watermark: watermarkAt === undefined ? undefined : { wmsId: "wms-a", sequence: 9n, observedAt: new Date(watermarkAt) },
    updatedAt: new Date(T - 1000),
  };
}

describe("correctStock", () => {
  it("sets on_hand absolutely, bumps the version and says who did it", () => {
    const { level: next, events } = correctStock(level(10, 2), { onHand: 7, observedAt: new Date(T), cause: operator }, new Date(T), ids);
    assert.deepEqual([next.onHand, next.reserved, next.version], [7, 2, 5]);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.deepEqual([event!.type, event!.source, event!.delta, event!.version], ["StockOverridden", "operator", -3, 5]);
    assert.deepEqual([event!.before.onHand, event!.after.onHand, event!.after.available], [10, 7, 5]);
    const auto = correctStock(level(10, 0), { onHand: 11, observedAt: new Date(T), cause: reconciliation }, new Date(T), ids).events[0]!;
    assert.deepEqual([auto.type, auto.source, auto.cause.kind], ["DiscrepancyAutoResolved", "reconciliation", "reconciliation"]);
  });

  it("makes WMS updates observed before it stale and those after it win (its watermark is a time, never a WMS sequence)", () => {
    const { level: next } = correctStock(level(10, 0, T - 60_000), { onHand: 4, observedAt: new Date(T), cause: operator }, new Date(T), ids);
    assert.equal(next.watermark!.wmsId, CORRECTION_SOURCES.operator);
    const count = (observedAt: number, sequence: bigint) => ({ origin: { wmsId: "wms-a", sequence, batchId: "b", schemaVersion: "wms.v1" }, observedAt: new Date(observedAt) }) as never;
    assert.equal(isStale(next.watermark, count(T - 1, 99n)), true, "observed before the override, even with a higher sequence");
    assert.equal(isStale(next.watermark, count(T + 1, 10n)), false);
  });

  it("never moves the watermark back in time", () => {
    const { level: next } = correctStock(level(10, 0, T + 60_000), { onHand: 4, observedAt: new Date(T), cause: operator }, new Date(T), ids);
    assert.equal(next.watermark!.observedAt.getTime(), T + 60_000);
  });

  it("reports a new shortfall instead of hiding it, and only when it is new or changed (property)", () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (onHand, reserved, counted) => {
        const before = level(onHand, reserved);
        const { level: next, events } = correctStock(before, { onHand: counted, observedAt: new Date(T), cause: operator }, new Date(T), ids);
        assert.ok(next.onHand >= 0 && events[0]!.after.available >= 0, "availability is never negative");
        const shortBefore = Math.max(0, reserved - onHand);
        const shortAfter = Math.max(0, reserved - counted);
        const detected = events.find((e) => e.type === "StockShortfallDetected");
        assert.equal(detected !== undefined, shortAfter > 0 && shortAfter !== shortBefore);
        if (detected) assert.equal(detected.delta, -shortAfter);
      }),
    );
  });

  it("refuses a negative or fractional on_hand (a bug, never data)", () => {
    assert.throws(() => correctStock(level(1, 0), { onHand: -1, observedAt: new Date(T), cause: operator }, new Date(T), ids));
    assert.throws(() => correctStock(level(1, 0), { onHand: 1.5, observedAt: new Date(T), cause: operator }, new Date(T), ids));
  });
});
