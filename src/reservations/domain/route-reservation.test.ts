import assert from "node:assert/strict";
import fc from "fast-check";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { availableOf, type StockLevel } from "../../inventory/domain/stock-level.js";
import { isInventorySyncError, type InventorySyncError } from "../../shared/errors.js";
import { mostOf, routeReservation, splitAcross } from "./route-reservation.js";
import { applicableRules, type RoutingRule } from "./routing-rule.js";

function at(location: string, onHand: number, reserved = 0): StockLevel {
  return { sku: asSku("S"), locationId: asLocationId(location), onHand, reserved, version: 0, watermark: undefined, updatedAt: new Date(0) };
}

function rule(ruleId: string, warehouses: Array<[string, number]>, maxLocations = 1, scope: Partial<RoutingRule> = {}): RoutingRule {
  return {
    ruleId,
    channel: "",
    region: "",
    priority: 0,
    warehouses: warehouses.map(([locationId, safetyStock]) => ({ locationId: asLocationId(locationId), safetyStock })),
    maxLocations,
    description: "",
    version: 1,
    updatedAt: new Date(0),
    updatedBy: "test",
    ...scope,
  };
}

function refusal(run: () => unknown): InventorySyncError {
  try {
    run();
  } catch (error) {
    assert.ok(isInventorySyncError(error));
    return error;
  }
  return assert.fail("expected INSUFFICIENT_STOCK");
}

describe("routeReservation", () => {
  const levels = [at("A", 5, 1), at("B", 9, 5), at("C", 6, 0)];

  it("takes the first warehouse in the rule's order that covers the request after its safety stock", () => {
    const choice = routeReservation("S", levels, 3, [rule("r", [["C", 4], ["A", 0], ["B", 0]])]);
    assert.deepEqual(choice.allocations.map((a) => [a.level.locationId, a.quantity]), [["A", 3]]);
    assert.equal(choice.rule.ruleId, "r");
  });

  it("never takes a warehouse the rule does not list, even with more stock", () => {
    const choice = routeReservation("S", levels, 2, [rule("r", [["B", 0]])]);
    assert.deepEqual(choice.allocations.map((a) => a.level.locationId), ["B"]);
  });

  it("splits across the fewest warehouses, preferring the rule's order, when allowed", () => {
    // usable: A 4, B 4, C 6; 9 needs two warehouses; A + B (8) cannot, A + C is the first pair that can.
    const choice = routeReservation("S", levels, 9, [rule("r", [["A", 0], ["B", 0], ["C", 0]], 3)]);
    assert.deepEqual(choice.allocations.map((a) => [a.level.locationId, a.quantity]), [["A", 4], ["C", 5]]);
  });

  it("refuses when the split limit is too low, naming each warehouse and what it had", () => {
    const error = refusal(() => routeReservation("S", levels, 11, [rule("two", [["A", 1], ["B", 0], ["C", 0], ["Z", 0]], 2)]));
    assert.equal(error.code, "RESERVATION.INSUFFICIENT_STOCK");
    assert.equal(error.metadata.available, "10");
    assert.equal(error.metadata.routing_rules, "two");
    const considered = JSON.parse(error.metadata.considered!);
    assert.deepEqual(considered[0].warehouses.map((w: { location_id: string; usable: number; has_record: boolean }) => [w.location_id, w.usable, w.has_record]), [
      ["A", 3, true],
      ["B", 4, true],
      ["C", 6, true],
      ["Z", 0, false],
    ]);
    assert.match(error.message, /rule "two" \(split up to 2\): A 3 usable \(on_hand 5, reserved 1, safety 1\).*Z no stock record/);
  });

  it("falls through to the next applicable rule, and reports every rule tried", () => {
    const choice = routeReservation("S", levels, 5, [rule("first", [["A", 0]]), rule("second", [["C", 0]])]);
    assert.equal(choice.rule.ruleId, "second");
    const error = refusal(() => routeReservation("S", levels, 7, [rule("first", [["A", 0]]), rule("second", [["C", 0]])]));
    assert.equal(error.metadata.routing_rules, "first,second");
  });
});

describe("applicableRules", () => {
  const rules = [
    rule("any", [["A", 0]]),
    rule("web", [["A", 0]], 1, { channel: "web" }),
    rule("web-eu-2", [["A", 0]], 1, { channel: "web", region: "eu", priority: 2 }),
    rule("web-eu-1", [["A", 0]], 1, { channel: "web", region: "eu", priority: 1 }),
    rule("eu", [["A", 0]], 1, { region: "eu" }),
    rule("store", [["A", 0]], 1, { channel: "store" }),
  ];

  it("orders the most specific scope first, then by priority", () => {
    assert.deepEqual(applicableRules(rules, "web", "eu").map((r) => r.ruleId), ["web-eu-1", "web-eu-2", "web", "eu", "any"]);
  });

  it("a request with no channel or region gets the rules for every channel and region only", () => {
    assert.deepEqual(applicableRules(rules, "", "").map((r) => r.ruleId), ["any"]);
    assert.deepEqual(applicableRules(rules, "store", "us").map((r) => r.ruleId), ["store", "any"]);
  });
});

describe("splitAcross (properties)", () => {
  const usableList = fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 8 });

  it("covers exactly the quantity, within each warehouse's usable stock and the split limit, with the fewest warehouses", () => {
    fc.assert(
      fc.property(usableList, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 8 }), (usable, quantity, maxLocations) => {
        const split = splitAcross(usable, quantity, maxLocations);
        const possible = mostOf(usable, maxLocations) >= quantity;
        assert.equal(split !== undefined, possible);
        if (!split) return;
        assert.equal(split.reduce((sum, [, take]) => sum + take, 0), quantity);
        assert.ok(split.length <= maxLocations);
        for (const [index, take] of split) assert.ok(take >= 1 && take <= usable[index]!);
        assert.equal(new Set(split.map(([index]) => index)).size, split.length);
        // No smaller set of warehouses could have covered it.
        assert.ok(mostOf(usable, split.length - 1) < quantity);
        // In the rule's order.
        assert.deepEqual(split.map(([i]) => i), [...split.map(([i]) => i)].sort((a, b) => a - b));
      }),
    );
  });

  it("never split: one warehouse, the first in order that covers it", () => {
    fc.assert(
      fc.property(usableList, fc.integer({ min: 1, max: 60 }), (usable, quantity) => {
        const split = splitAcross(usable, quantity, 1);
        const first = usable.findIndex((u) => u >= quantity);
        assert.deepEqual(split, first === -1 ? undefined : [[first, quantity]]);
      }),
    );
  });
});

describe("routeReservation (properties)", () => {
  it("never takes more than on_hand − reserved − safety stock at any warehouse", () => {
    const record = fc.record({ onHand: fc.nat({ max: 30 }), reserved: fc.nat({ max: 30 }), safety: fc.nat({ max: 10 }) });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 6 }), (records, quantity, maxLocations) => {
        const levels = records.map((r, i) => at(`W${i}`, r.onHand, r.reserved));
        const routing = rule("p", records.map((r, i) => [`W${i}`, r.safety] as [string, number]), maxLocations);
        let allocations;
        try {
          allocations = routeReservation("S", levels, quantity, [routing]).allocations;
        } catch (error) {
          assert.ok(isInventorySyncError(error) && error.code === "RESERVATION.INSUFFICIENT_STOCK");
          assert.ok(Number(error.metadata.available) < quantity);
          return;
        }
        assert.equal(allocations.reduce((sum, a) => sum + a.quantity, 0), quantity);
        for (const a of allocations) {
          const safety = records[Number(a.level.locationId.slice(1))]!.safety;
          assert.ok(a.quantity <= availableOf(a.level.onHand, a.level.reserved) - safety);
        }
      }),
    );
  });
});
