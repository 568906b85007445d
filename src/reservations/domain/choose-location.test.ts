import assert from "node:assert/strict";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import type { StockLevel } from "../../inventory/domain/stock-level.js";
import { isInventorySyncError } from "../../shared/errors.js";
import { chooseLocation } from "./choose-location.js";

function at(location: string, onHand: number, reserved = 0): StockLevel {
  return { sku: asSku("S"), locationId: asLocationId(location), onHand, reserved, version: 0, watermark: undefined, updatedAt: new Date(0) };
}

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    assert.ok(isInventorySyncError(error));
    return error;
  }
  return assert.fail("expected INSUFFICIENT_STOCK");
}

describe("chooseLocation", () => {
  const levels = [at("A", 5, 1), at("B", 9, 5), at("C", 6, 0), at("D", 2, 0)];

  it("without a location, takes the one with the most available", () => {
    assert.equal(chooseLocation("S", levels, 1, undefined).locationId, "C");
  });

  it("breaks a tie by the lowest location id", () => {
    assert.equal(chooseLocation("S", [at("Z", 4), at("M", 4), at("Q", 1)], 4, undefined).locationId, "M");
  });

  it("with a location, takes that one or nothing, even when another has more", () => {
    assert.equal(chooseLocation("S", levels, 2, asLocationId("D")).locationId, "D");
    const error = refusal(() => chooseLocation("S", levels, 3, asLocationId("D")));
    assert.deepEqual(error.metadata, { sku: "S", location_id: "D", requested: "3", available: "2" });
  });

  it("never splits: refuses what no single location covers, naming the most one location has", () => {
    const error = refusal(() => chooseLocation("S", levels, 7, undefined));
    assert.equal(error.code, "RESERVATION.INSUFFICIENT_STOCK");
    assert.equal(error.metadata.available, "6");
  });

  it("counts a location in shortfall as zero available", () => {
    const error = refusal(() => chooseLocation("S", [at("A", 1, 3)], 1, undefined));
    assert.equal(error.metadata.available, "0");
  });

  it("refuses an unknown SKU or location with zero available", () => {
    assert.equal(refusal(() => chooseLocation("S", [], 1, undefined)).metadata.available, "0");
    assert.equal(refusal(() => chooseLocation("S", levels, 1, asLocationId("NOPE"))).metadata.available, "0");
  });
});
