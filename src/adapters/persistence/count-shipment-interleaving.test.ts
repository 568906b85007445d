import assert from "node:assert/strict";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import { eventTrail, reservationStack, stockRecord, type ReservationStack } from "../../../contract-tests/support/reservation-stack.js";
import { ManualClock } from "../../shared/clock.js";
import { isInventorySyncError } from "../../shared/errors.js";

const SETTLE_MS = 5_000;

/** 12:mm:ss on the scenario's day. */
function at(clock: string): Date {
  return new Date(`2026-11-24T12:${clock}Z`);
}

/**
 * The worked timeline of the README ("WMS counts and shipments"), step by step against PostgreSQL:
 * exact on_hand / reserved / available after each step and the exact event sequence at the end.
 */
describe("WMS counts and local shipments interleave safely (scripted, PostgreSQL)", function () {
  const db = migratedDatabase("interleaving", 4);
  let clock: ManualClock;
  let stack: ReservationStack;

  before(() => {
    clock = new ManualClock(at("00:00"));
  });
  beforeEach(() => {
    stack = reservationStack(db.database, { clock, settleMs: SETTLE_MS });
  });
  afterEach(async () => assert.equal((await stack.drift.verify()).driftedRecords, 0));

  /** Moves the clock to `time` and runs `step`; returns [on_hand, reserved, available] afterwards. */
  async function step(time: string, action: () => Promise<unknown>, sku = "TL-1"): Promise<number[]> {
    clock.advance(at(time).getTime() - clock.now().getTime());
    await action();
    const record = await stockRecord(db.database, sku);
    return [record!.onHand, record!.reserved, record!.available];
  }

  it("follows the README timeline: available never rises because of the order in which counts and shipments arrive", async () => {
    const reserve = (quantity: number, order: string) => stack.reserver.reserve(stack.request("TL-1", quantity, { orderReference: order }));
    const ids: Record<string, string> = {};
    const keep = (name: string) => (made: { reservation: { id: string } }) => (ids[name] = made.reservation.id);
    const rejected: string[] = [];

    const states = [
      await step("00:00", () => stack.count("TL-1", 10, at("00:00"))),
      await step("01:00", () => reserve(3, "O-A").then(keep("A"))),
      await step("02:00", () => reserve(4, "O-B").then(keep("B"))),
      await step("03:00", () => stack.lifecycle.fulfil(ids.A!, "SHIP-A")),
      // Counted at 12:02:50, before A shipped (the WMS still had 10), delivered late: A is subtracted.
      await step("03:30", () => stack.count("TL-1", 10, at("02:50"))),
      // Counted at 12:04:00, after A shipped (and settled): the WMS's 7 is taken as it is, A is settled.
      await step("05:00", () => stack.count("TL-1", 7, at("04:00"))),
      // Counted at 12:05:50 and delivered before B's fulfilment call; then B ships.
      await step("06:00", () => stack.count("TL-1", 7, at("05:50"))),
      await step("06:10", () => stack.lifecycle.fulfil(ids.B!, "SHIP-B")),
      await step("07:00", () => stack.count("TL-1", 3, at("06:30"))),
      await step("08:00", () => reserve(3, "O-C").then(keep("C"))),
      // Two units broke: the count leaves on_hand below reserved, a shortfall.
      await step("09:00", () => stack.count("TL-1", 1, at("08:30"))),
      await step("09:30", () => reserve(1, "O-D").catch((e: unknown) => rejected.push(isInventorySyncError(e) ? e.code : String(e)))),
      await step("10:00", () => stack.count("TL-1", 1, at("09:40"))),
      await step("11:00", () => stack.lifecycle.release(ids.C!)),
      await step("12:00", () => stack.count("TL-1", 1, at("11:50"))),
    ];

    assert.deepEqual(states, [
      [10, 0, 10],
      [10, 3, 7],
      [10, 7, 3],
      [7, 4, 3],
      [7, 4, 3], // without the rule: [10, 4, 6], three units promised twice
      [7, 4, 3],
      [7, 4, 3],
      [3, 0, 3],
      [3, 0, 3],
      [3, 3, 0],
      [1, 3, 0],
      [1, 3, 0],
      [1, 3, 0],
      [1, 0, 1],
      [1, 0, 1],
    ]);
    assert.deepEqual(rejected, ["RESERVATION.INSUFFICIENT_STOCK"], "nothing is blocked, but nothing is promised that is not there");
    assert.deepEqual(await eventTrail(db.database, "TL-1"), [
      ["StockCounted", 1, 10, 10, 0, 10],
      ["StockReserved", 2, 3, 10, 3, 7],
      ["StockReserved", 3, 4, 10, 7, 3],
      ["ReservationFulfilled", 4, -3, 7, 4, 3],
      ["StockCounted", 5, 0, 7, 4, 3],
      ["StockCounted", 6, 0, 7, 4, 3],
      ["StockCounted", 7, 0, 7, 4, 3],
      ["ReservationFulfilled", 8, -4, 3, 0, 3],
      ["StockCounted", 9, 0, 3, 0, 3],
      ["StockReserved", 10, 3, 3, 3, 0],
      ["StockCounted", 11, -2, 1, 3, 0],
      ["StockShortfallDetected", 11, -2, 1, 3, 0],
      ["StockCounted", 12, 0, 1, 3, 0],
      ["ReservationReleased", 13, -3, 1, 0, 1],
      ["StockCounted", 14, 0, 1, 0, 1],
    ]);
    const { rows } = await db.database.knex.raw(
      `SELECT kind, status, ours::int, theirs::int, difference::int, first_seen_at, last_seen_at, resolved_at FROM discrepancies WHERE sku = 'TL-1'`,
    );
    assert.deepEqual(
      rows.map((r: Record<string, unknown>) => ({ ...r, first_seen_at: (r.first_seen_at as Date).toISOString().slice(14, 19) })),
      [{ kind: "shortfall", status: "resolved", ours: 3, theirs: 1, difference: -2, first_seen_at: "09:00", last_seen_at: at("12:00"), resolved_at: at("12:00") }],
    );
    const { rows: pending } = await db.database.knex.raw(`SELECT count(*)::int AS n FROM pending_shipments WHERE sku = 'TL-1'`);
    assert.equal(pending[0].n, 0, "both shipments were settled by later counts");
  });

  it("treats a count observed within the settle margin after a shipment as not including it (errs low, never high)", async () => {
    clock.advance(at("20:00").getTime() - clock.now().getTime());
    await stack.count("TL-2", 10, at("19:00"), "default");
    const r = (await stack.reserver.reserve(stack.request("TL-2", 4))).reservation;
    await stack.lifecycle.fulfil(r.id, "");
    const shippedAt = clock.now().getTime();
    await stack.count("TL-2", 6, new Date(shippedAt + SETTLE_MS - 1));
    assert.deepEqual(await stockRecord(db.database, "TL-2"), { onHand: 2, reserved: 0, available: 2 }, "6 − 4 still in flight");
    await stack.count("TL-2", 6, new Date(shippedAt + SETTLE_MS));
    assert.deepEqual(await stockRecord(db.database, "TL-2"), { onHand: 6, reserved: 0, available: 6 }, "settled");
  });

  it("keeps a shortfall open and refreshed while counts confirm it, with one event, and fulfilment still works", async () => {
    const start = clock.now().getTime();
    await stack.count("TL-3", 5, new Date(start));
    const a = (await stack.reserver.reserve(stack.request("TL-3", 3))).reservation;
    await stack.reserver.reserve(stack.request("TL-3", 2));
    clock.advance(60_000);
    await stack.count("TL-3", 2, new Date(start + 30_000));
    await stack.count("TL-3", 2, new Date(start + 40_000));
    await stack.count("TL-3", 1, new Date(start + 50_000));
    assert.deepEqual(
      (await eventTrail(db.database, "TL-3")).filter((e) => e[0] === "StockShortfallDetected").map((e) => e[2]),
      [-3, -4],
      "a new shortage and a changed one are news; a confirmed one is not",
    );
    const open = await db.database.knex.raw(`SELECT count(*)::int AS n, min(difference)::int AS d FROM discrepancies WHERE sku = 'TL-3' AND status = 'open'`);
    assert.deepEqual(open.rows[0], { n: 1, d: -4 });
    await stack.lifecycle.fulfil(a.id, "");
    assert.deepEqual(await stockRecord(db.database, "TL-3"), { onHand: 0, reserved: 2, available: 0 }, "on_hand floored at zero, never negative");
  });
});
