import assert from "node:assert/strict";
import { CountFreeze } from "../bench/evaluate/count-freeze.js";
import { DAY_MS, QUICK_DAY, simulateDay, WarehouseFloor } from "../bench/evaluate/simulated-day.js";

describe("contract: the evaluation's simulated day (bench/evaluate/simulated-day.ts) is seeded, reproducible and has the shape it promises", () => {
  const day = simulateDay(QUICK_DAY);

  it("the same settings give the same day, another seed another", () => {
    assert.deepEqual(simulateDay(QUICK_DAY), day);
    assert.notDeepEqual(simulateDay({ ...QUICK_DAY, seed: QUICK_DAY.seed + 1 }).orders.slice(0, 20), day.orders.slice(0, 20));
  });

  it("records, counts, movements, late and duplicate deliveries, the outage's backfill and the order lines are all there", () => {
    const s = QUICK_DAY;
    assert.equal(day.records.length, s.skus * s.warehouses);
    assert.equal(day.orders.length, s.orderLines);
    const kinds = (kind: string) => day.wms.filter((e) => e.kind === kind).length;
    assert.equal(kinds("count"), s.skus * s.warehouses * s.countsPerRecord);
    assert.equal(kinds("shipment"), s.otherShipments);
    assert.ok(kinds("receipt") > 0 && kinds("shrink") > 0);
    // The quick day has ~10 shrinks; a day with more shows both kinds: reported at once, and only found by the next count.
    const shrinks = simulateDay({ ...s, shrinkShare: 0.2 }).wms.filter((e) => e.kind === "shrink");
    assert.ok(shrinks.some((e) => e.reported) && shrinks.some((e) => !e.reported), "shrink is reported at once or only found by the next count");
    assert.ok(day.wms.some((e) => e.duplicate));
    const outage = s.outage!;
    const delivered = day.wms.filter((e) => e.deliverMs !== e.observedMs);
    assert.ok(delivered.some((e) => e.observedMs < outage.startMs), "late deliveries outside the outage");
    assert.deepEqual(day.wms.filter((e) => e.deliverMs >= outage.startMs && e.deliverMs < outage.startMs + outage.durationMs), [], "nothing is delivered during the outage");
    assert.ok(day.wms.every((e) => e.observedMs >= 0 && e.observedMs < DAY_MS && e.deliverMs >= e.observedMs));
    for (const source of new Set(day.wms.map((e) => e.source))) {
      const sequences = day.wms.filter((e) => e.source === source).map((e) => e.sequence);
      assert.deepEqual(sequences, sequences.map((_, i) => i + 1), "each source numbers its updates in observation order");
    }
    const top = day.orders.filter((o) => o.sku === "EV-000000").length;
    const tail = day.orders.filter((o) => o.sku === `EV-000${s.skus - 1}`).length;
    assert.ok(top > 10 * Math.max(tail, 1), "orders are skewed to the first SKUs");
  });

  it("the floor: shrink and shipments take what is there, a pick of more than there is is refused", () => {
    const floor = new WarehouseFloor([{ sku: "A", location: "DC-1", startingStock: 3 }]);
    const event = { sku: "A", location: "DC-1", observedMs: 0, deliverMs: 0, source: "wms-dc-1", sequence: 1, reported: true, duplicate: false };
    assert.equal(floor.observe({ ...event, kind: "shrink", quantity: 1 }), -1);
    assert.equal(floor.pick("A", "DC-1", 3), false);
    assert.equal(floor.pick("A", "DC-1", 2), true);
    assert.equal(floor.observe({ ...event, kind: "shipment", quantity: 4 }), 0);
    assert.equal(floor.observe({ ...event, kind: "receipt", quantity: 5 }), 5);
    assert.equal(floor.observe({ ...event, kind: "count", quantity: 0 }), 5);
  });

  it("the WMS's book: reported movements and picks move it with the floor, unreported shrink only the floor until a count reads it", () => {
    const floor = new WarehouseFloor([{ sku: "A", location: "DC-1", startingStock: 10 }]);
    const event = { sku: "A", location: "DC-1", observedMs: 0, deliverMs: 0, source: "wms-dc-1", sequence: 1, reported: true, duplicate: false };
    floor.observe({ ...event, kind: "shrink", quantity: 1 });
    assert.equal(floor.pick("A", "DC-1", 2), true);
    floor.observe({ ...event, kind: "receipt", quantity: 3 });
    assert.deepEqual([floor.onHand("A", "DC-1"), floor.booked("A", "DC-1")], [10, 10]);
    assert.equal(floor.observe({ ...event, kind: "shrink", quantity: 2, reported: false }), -2);
    assert.deepEqual([floor.onHand("A", "DC-1"), floor.booked("A", "DC-1")], [8, 10], "the WMS does not know of unreported shrink");
    floor.observe({ ...event, kind: "shipment", quantity: 3 });
    assert.deepEqual([floor.onHand("A", "DC-1"), floor.booked("A", "DC-1")], [5, 7]);
    assert.equal(floor.observe({ ...event, kind: "count", quantity: 0 }), 5);
    assert.deepEqual([floor.onHand("A", "DC-1"), floor.booked("A", "DC-1")], [5, 5], "a count reads the floor into the book");
  });

  it("the count freeze: a count waits for the record's picks in progress, later updates of the record queue behind it, new picks wait for it", async () => {
    const freeze = new CountFreeze();
    const ran: string[] = [];
    freeze.read("A", true, () => ran.push("count A, no pick"));
    freeze.pickStarted("A");
    freeze.pickStarted("A");
    freeze.read("A", false, () => ran.push("movement A, no count waiting"));
    freeze.read("A", true, () => ran.push("count A"));
    freeze.read("A", false, () => ran.push("movement A after the count"));
    freeze.read("B", true, () => ran.push("count B"));
    let picked = false;
    const pick = freeze.beforePick("A").then(() => (picked = true));
    await Promise.resolve();
    assert.deepEqual(ran, ["count A, no pick", "movement A, no count waiting", "count B"]);
    freeze.pickEnded("A");
    await Promise.resolve();
    assert.equal(picked, false, "a new pick waits for the count");
    assert.deepEqual(ran.slice(3), [], "one pick is still in progress");
    freeze.pickEnded("A");
    assert.deepEqual(ran.slice(3), ["count A", "movement A after the count"]);
    await pick;
    assert.equal(picked, true);
    await freeze.beforePick("B");
  });
});
