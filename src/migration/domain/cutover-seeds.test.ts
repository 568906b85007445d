import assert from "node:assert/strict";
import { DEFAULT_LOCATION } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import { neededSeeds } from "./cutover-seeds.js";

const AT = new Date("2026-11-24T12:00:00Z");

function count(sku: string, sequence: number, wmsId = "wms-a", observedOffsetMs = sequence): StockCount {
  return {
    sku: asSku(sku),
    locationId: DEFAULT_LOCATION,
    quantity: sequence * 10,
    observedAt: new Date(AT.getTime() + observedOffsetMs),
    reason: "counted",
    origin: { wmsId, sequence: BigInt(sequence), batchId: "b", schemaVersion: "wms.v1" },
  };
}

describe("neededSeeds", () => {
  it("seeds a record whose batch update is older than its latest known count", () => {
    assert.deepEqual(neededSeeds([count("A", 10)], [count("A", 5)]).map((s) => s.origin.sequence), [10n]);
  });

  it("leaves the seed out when the batch brings a newer count of the record", () => {
    assert.deepEqual(neededSeeds([count("A", 10)], [count("A", 11)]), []);
  });

  it("judges a count from another source by when it was observed", () => {
    assert.equal(neededSeeds([count("A", 10, "wms-a", 1000)], [count("A", 1, "wms-b", 500)]).length, 1);
    assert.equal(neededSeeds([count("A", 10, "wms-a", 1000)], [count("A", 1, "wms-b", 1500)]).length, 0);
  });

  it("never seeds a record from the batch's own update", () => {
    assert.deepEqual(neededSeeds([count("A", 10)], [count("A", 10)]), []);
  });

  it("keeps records apart", () => {
    assert.deepEqual(neededSeeds([count("A", 10), count("B", 10)], [count("A", 11), count("B", 3)]).map((s) => s.sku), ["B"]);
  });
});
