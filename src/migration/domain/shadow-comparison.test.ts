import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_LOCATION } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { stockKey, type StockLevel } from "../../inventory/domain/stock-level.js";
import { compareShadow, mergeTallies, mismatchRate, type ShadowRecord } from "./shadow-comparison.js";

function record(sku: string, onHand: number, cohort = "shadow-flag"): ShadowRecord {
  const level: StockLevel = {
    sku: asSku(sku),
    locationId: DEFAULT_LOCATION,
    onHand,
    reserved: 0,
    version: 1,
    watermark: { wmsId: "w", sequence: 7n, observedAt: new Date(0) },
    updatedAt: new Date(0),
  };
  return { level, cohort };
}

const key = (sku: string) => stockKey(sku, DEFAULT_LOCATION);

describe("compareShadow", () => {
  it("records each disagreement with both values, and a missing legacy count as a mismatch", () => {
    const result = compareShadow([record("A", 5), record("B", 6), record("C", 7)], new Map([[key("A"), 5], [key("B"), 9]]), new Set());
    assert.deepEqual(result.tallies, [{ cohort: "shadow-flag", compared: 3, mismatched: 2, inFlight: 0 }]);
    assert.deepEqual(result.mismatches.map((m) => [m.sku, m.shadowOnHand, m.legacyOnHand, m.shadowSequence]), [
      ["B", 6, 9, 7n],
      ["C", 7, undefined, 7n],
    ]);
  });

  it("does not judge records legacy has not run over yet", () => {
    const result = compareShadow([record("A", 5), record("B", 6)], new Map([[key("A"), 1]]), new Set([key("A")]));
    assert.deepEqual(result.tallies, [{ cohort: "shadow-flag", compared: 1, mismatched: 1, inFlight: 1 }]);
  });

  it("has a rate of mismatched over compared per cohort, whatever the paging", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ agree: fc.boolean(), cohort: fc.constantFrom("c1", "c2") }), { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (rows, pageSize) => {
        const records = rows.map((r, i) => record(`S-${i}`, 3, r.cohort));
        const legacy = new Map(rows.map((r, i) => [key(`S-${i}`), r.agree ? 3 : 4]));
        const pages = [];
        for (let i = 0; i < records.length; i += pageSize) pages.push(...compareShadow(records.slice(i, i + pageSize), legacy, new Set()).tallies);
        for (const tally of mergeTallies(pages)) {
          const mine = rows.filter((r) => r.cohort === tally.cohort);
          assert.equal(tally.compared, mine.length);
          assert.equal(mismatchRate(tally), mine.filter((r) => !r.agree).length / mine.length);
        }
      }),
    );
    assert.equal(mismatchRate({ compared: 0, mismatched: 0 }), 0);
  });
});
