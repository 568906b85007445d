import assert from "node:assert/strict";
import { ValidationError } from "../../shared/errors.js";
import { parseRoutingRule, type RoutingRuleInput } from "./routing-rule.js";

const good: RoutingRuleInput = {
  ruleId: "web-eu",
  channel: "web",
  region: "eu",
  priority: 10,
  warehouses: [
    { locationId: "AMS", safetyStock: 2 },
    { locationId: "FRA", safetyStock: 0 },
  ],
  split: "allowed",
  maxLocations: 2,
  description: "EU web orders",
};

function violations(input: Partial<RoutingRuleInput>): Array<[string, string]> {
  try {
    parseRoutingRule({ ...good, ...input });
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, "ROUTING_RULE.INVALID");
    return error.violations.map((v) => [v.field, v.reason]);
  }
  return assert.fail("expected ROUTING_RULE.INVALID");
}

describe("parseRoutingRule", () => {
  it("accepts a good rule; never split is one location", () => {
    assert.equal(parseRoutingRule(good).maxLocations, 2);
    assert.equal(parseRoutingRule({ ...good, split: "never", maxLocations: 0 }).maxLocations, 1);
  });

  it("refuses a split allowed over fewer than one location, naming max_locations", () => {
    assert.deepEqual(violations({ maxLocations: 0 }), [["max_locations", "must be a whole number from 1 to 64 when split is allowed, got 0"]]);
  });

  it("refuses negative safety stock, naming the warehouse", () => {
    assert.deepEqual(violations({ warehouses: [{ locationId: "AMS", safetyStock: -1 }] }), [
      ["warehouses[0].safety_stock", "must be a whole number from 0 to 1000000000, got -1"],
    ]);
  });

  it("refuses no warehouses, a warehouse twice, a bad id, a missing split policy, all at once", () => {
    assert.deepEqual(violations({ warehouses: [], split: "unspecified" }), [
      ["warehouses", "must list at least one warehouse"],
      ["split", "is required: never, or allowed with max_locations"],
    ]);
    assert.deepEqual(
      violations({ ruleId: "", channel: "web shop", warehouses: [{ locationId: "AMS", safetyStock: 0 }, { locationId: "AMS", safetyStock: 1 }] }).map(([field]) => field),
      ["rule_id", "channel", "warehouses[1].location_id"],
    );
  });
});
