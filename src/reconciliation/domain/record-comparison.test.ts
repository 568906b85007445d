import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_LOCATION } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { decideMismatches, summariseRun, type RecordDifference } from "./record-comparison.js";
import { toleranceFor, withinTolerance } from "./tolerance.js";

const difference = (sku: string, ours: number, theirs: number): RecordDifference => ({
  sku: asSku(sku),
  locationId: DEFAULT_LOCATION,
  ours,
  theirs,
  counted: theirs,
  reserved: 0,
  version: 1,
  observedAt: new Date(0),
});

describe("tolerance and the mismatch policy", () => {
  it("allows `units`, or `percent` of on_hand when that is more", () => {
    assert.equal(toleranceFor(10, { units: 2, percent: 0 }), 2);
    assert.equal(toleranceFor(1000, { units: 2, percent: 1 }), 10);
    assert.equal(toleranceFor(50, { units: 2, percent: 1 }), 2);
    assert.equal(withinTolerance(10, 12, { units: 2, percent: 0 }), true);
    assert.equal(withinTolerance(10, 13, { units: 2, percent: 0 }), false);
    assert.equal(withinTolerance(10, 11, { units: 0, percent: 0 }), false, "tolerance 0: every mismatch waits for an operator");
  });

  it("auto-resolves exactly the mismatches within tolerance and opens the others (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.nat(200)), { maxLength: 30 }), fc.nat(5), fc.nat(20), (pairs, units, percent) => {
        const mismatches = pairs.map(([ours, theirs], i) => difference(`S-${i}`, ours, theirs));
        const { autoResolve, open } = decideMismatches(mismatches, { units, percent });
        assert.equal(autoResolve.length + open.length, mismatches.length);
        for (const a of autoResolve) assert.ok(Math.abs(a.theirs - a.ours) <= a.tolerance && a.tolerance === toleranceFor(a.ours, { units, percent }));
        for (const o of open) assert.equal(withinTolerance(o.ours, o.theirs, { units, percent }), false);
      }),
    );
  });

  it("reports the discrepancy rate as the share of SKUs, not of records", () => {
    const mismatches = [difference("A", 1, 2), { ...difference("A", 1, 3), locationId: "DC-2" as never }, difference("B", 5, 0)];
    const result = summariseRun(
      { recordsCompared: 400, skusCompared: 200, inFlight: [difference("C", 1, 1)], notTracked: 3, mismatches },
      { autoResolved: 1, movedOn: 1, opened: 1, cleared: 0, shortfalls: 0, durationMs: 5 },
    );
    assert.deepEqual([result.mismatchedRecords, result.mismatchedSkus, result.discrepancyRate, result.inFlight], [3, 2, 0.01, 2]);
    assert.equal(summariseRun({ recordsCompared: 0, skusCompared: 0, inFlight: [], notTracked: 0, mismatches: [] }, { autoResolved: 0, movedOn: 0, opened: 0, cleared: 0, shortfalls: 0, durationMs: 0 }).discrepancyRate, 0);
  });
});
