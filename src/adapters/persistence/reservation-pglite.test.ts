import assert from "node:assert/strict";
import { embeddedDatabase } from "../../../contract-tests/support/embedded-database.js";
import { eventTrail, reservationStack, stockRecord } from "../../../contract-tests/support/reservation-stack.js";
import { ManualClock } from "../../shared/clock.js";

describe("reservations on embedded PGlite", function () {
  this.timeout(60_000);
  const db = embeddedDatabase("res");

  it("runs every reservation statement: reserve, replay, fulfil, count net of shipments, shortfall, sweep, list, drift check", async () => {
    const clock = new ManualClock(new Date("2026-11-24T12:00:00Z"));
    const stack = reservationStack(db.database, { clock });
    await stack.count("PL-1", 10, clock.now());
    const request = stack.request("PL-1", 3, { idempotencyKey: "pl-1", ttlMs: 60_000 });
    const a = (await stack.reserver.reserve(request)).reservation;
    assert.equal((await stack.reserver.reserve(request)).replayed, true);
    const b = (await stack.reserver.reserve(stack.request("PL-1", 5, { ttlMs: 1000 }))).reservation;
    const observedBefore = clock.now();
    clock.advance(500);
    await stack.lifecycle.fulfil(a.id, "SHIP-PL");
    await stack.count("PL-1", 10, observedBefore);
    assert.deepEqual(await stockRecord(db.database, "PL-1"), { onHand: 7, reserved: 5, available: 2 });
    await stack.count("PL-1", 4, clock.now());
    clock.advance(1000);
    assert.equal(await stack.sweeper.sweep(), 1);
    assert.equal((await stack.queries.get(b.id)).status, "expired");
    assert.equal((await stack.lifecycle.extend(b.id, 60_000).catch((e: { code: string }) => e.code)), "RESERVATION.NOT_ACTIVE");
    assert.deepEqual(await stockRecord(db.database, "PL-1"), { onHand: 4, reserved: 0, available: 4 });
    assert.deepEqual((await eventTrail(db.database, "PL-1")).map((e) => e[0]), [
      "StockCounted",
      "StockReserved",
      "StockReserved",
      "ReservationFulfilled",
      "StockCounted",
      "StockCounted",
      "StockShortfallDetected",
      "ReservationExpired",
    ]);
    const page = await stack.queries.list({ orderReference: "", sku: "PL-1", status: undefined, pageSize: 10, pageToken: "" });
    assert.equal(page.reservations.length, 2);
    const { rows } = await db.database.knex.raw(`SELECT status, difference::int AS difference FROM discrepancies WHERE sku = 'PL-1'`);
    assert.deepEqual(rows, [{ status: "open", difference: -1 }]);
    assert.equal((await stack.drift.verify()).driftedRecords, 0);
  });
});
