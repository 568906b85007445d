import assert from "node:assert/strict";
import { failure } from "../../../contract-tests/support/refusals.js";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import { eventTrail, reservationStack, stockRecord, type ReservationStack } from "../../../contract-tests/support/reservation-stack.js";
import { ManualClock } from "../../shared/clock.js";
import { isInventorySyncError } from "../../shared/errors.js";

const T0 = new Date("2026-11-24T12:00:00Z");

describe("reservations on PostgreSQL", function () {
  const db = migratedDatabase("reservations", 12);
  let clock: ManualClock;
  let stack: ReservationStack;

  before(() => {
    clock = new ManualClock(T0);
    stack = reservationStack(db.database, { clock, sweepBatchSize: 7 });
  });
  afterEach(async () => {
    const report = await stack.drift.verify();
    assert.deepEqual([report.driftedRecords, report.drifts], [0, []], "reserved equals the sum of active reservations everywhere");
  });

  it("reserves what fits, raises reserved in the same transaction and appends StockReserved", async () => {
    await stack.count("R-1", 10, T0);
    const { reservation, replayed } = await stack.reserver.reserve(stack.request("R-1", 4, { orderReference: "O-1" }));
    assert.equal(replayed, false);
    assert.deepEqual([reservation.status, reservation.locationId, reservation.quantity], ["active", "default", 4]);
    assert.equal(reservation.expiresAt.getTime(), T0.getTime() + 15 * 60_000, "the default time to live");
    assert.deepEqual(await stockRecord(db.database, "R-1"), { onHand: 10, reserved: 4, available: 6 });
    assert.deepEqual((await eventTrail(db.database, "R-1")).at(-1), ["StockReserved", 2, 4, 10, 4, 6]);
  });

  it("refuses what does not fit with INSUFFICIENT_STOCK naming SKU, requested and available, and writes nothing", async () => {
    await stack.count("R-2", 3, T0);
    const error = await failure(stack.reserver.reserve(stack.request("R-2", 4, { locationId: "default" })));
    assert.deepEqual([error.kind, error.code], ["failed_precondition", "RESERVATION.INSUFFICIENT_STOCK"]);
    assert.match(error.message, /SKU "R-2" at location "default": requested 4, available 3/);
    assert.deepEqual(error.metadata, { sku: "R-2", location_id: "default", requested: "4", available: "3" });
    const unknown = await failure(stack.reserver.reserve(stack.request("NEVER-COUNTED", 1)));
    assert.deepEqual(unknown.metadata, { sku: "NEVER-COUNTED", location_id: "", requested: "1", available: "0" });
    assert.deepEqual(await stockRecord(db.database, "R-2"), { onHand: 3, reserved: 0, available: 3 });
    assert.equal(await stockRecord(db.database, "NEVER-COUNTED"), undefined, "a refusal creates no stock record");
  });

  it("with no location, takes the location with the most available (ties: lowest id) and never splits", async () => {
    for (const [location, units] of [["DC-B", 5], ["DC-A", 5], ["DC-C", 2]] as const) await stack.count("ANY-1", units, T0, location);
    const first = await stack.reserver.reserve(stack.request("ANY-1", 2));
    const second = await stack.reserver.reserve(stack.request("ANY-1", 2));
    assert.deepEqual([first.reservation.locationId, second.reservation.locationId], ["DC-A", "DC-B"]);
    assert.equal(first.reservation.requestedLocationId, undefined);
    const split = await failure(stack.reserver.reserve(stack.request("ANY-1", 4)));
    assert.match(split.message, /at any one location: requested 4, available 3/, "3 + 3 + 2 are free, but never in one place");
  });

  it("replays a retry with the same key and parameters (also after release), and refuses the key with other parameters", async () => {
    await stack.count("IDEM-1", 5, T0);
    const request = stack.request("IDEM-1", 2, { idempotencyKey: "key-idem-1", ttlMs: 60_000 });
    const made = await stack.reserver.reserve(request);
    const retry = await stack.reserver.reserve(request);
    assert.deepEqual([retry.replayed, retry.reservation.id], [true, made.reservation.id]);
    await stack.lifecycle.release(made.reservation.id);
    const afterRelease = await stack.reserver.reserve(request);
    assert.deepEqual([afterRelease.replayed, afterRelease.reservation.status], [true, "released"], "nothing is reserved again");
    const reused = await failure(stack.reserver.reserve({ ...request, quantity: 3 }));
    assert.deepEqual([reused.kind, reused.code], ["already_exists", "RESERVATION.IDEMPOTENCY_KEY_REUSED"]);
    assert.equal(reused.violations[0]?.field, "idempotency_key");
    assert.equal(reused.metadata.reservation_id, made.reservation.id);
    assert.deepEqual(await stockRecord(db.database, "IDEM-1"), { onHand: 5, reserved: 0, available: 5 });
  });

  it("makes one reservation for many concurrent requests with one key; all of them get it", async () => {
    await stack.count("IDEM-2", 100, T0);
    const request = stack.request("IDEM-2", 3, { idempotencyKey: "key-idem-2" });
    const results = await Promise.all(Array.from({ length: 20 }, () => stack.reserver.reserve(request)));
    assert.equal(new Set(results.map((r) => r.reservation.id)).size, 1);
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    assert.deepEqual(await stockRecord(db.database, "IDEM-2"), { onHand: 100, reserved: 3, available: 97 });
  });

  it("release, fulfil and extend follow the life cycle; a second call changes nothing", async () => {
    await stack.count("LIFE-1", 10, T0);
    const a = (await stack.reserver.reserve(stack.request("LIFE-1", 2, { ttlMs: 60_000 }))).reservation;
    const b = (await stack.reserver.reserve(stack.request("LIFE-1", 3))).reservation;
    const extended = await stack.lifecycle.extend(a.id, 120_000);
    assert.equal(extended.expiresAt.getTime(), T0.getTime() + 120_000);
    assert.equal((await stack.lifecycle.extend(a.id, 1000)).expiresAt.getTime(), extended.expiresAt.getTime(), "never earlier");
    const fulfilled = await stack.lifecycle.fulfil(a.id, "SHIP-1");
    assert.deepEqual([fulfilled.status, fulfilled.shipmentReference], ["fulfilled", "SHIP-1"]);
    assert.equal((await stack.lifecycle.fulfil(a.id, "SHIP-1")).status, "fulfilled");
    assert.equal((await failure(stack.lifecycle.release(a.id))).code, "RESERVATION.ALREADY_FULFILLED");
    assert.equal((await stack.lifecycle.release(b.id)).status, "released");
    assert.equal((await stack.lifecycle.release(b.id)).status, "released");
    assert.equal((await failure(stack.lifecycle.fulfil(b.id, ""))).code, "RESERVATION.RELEASED");
    assert.equal((await failure(stack.lifecycle.extend(b.id, 60_000))).code, "RESERVATION.NOT_ACTIVE");
    assert.deepEqual(await stockRecord(db.database, "LIFE-1"), { onHand: 8, reserved: 0, available: 8 });
    assert.deepEqual((await eventTrail(db.database, "LIFE-1")).slice(1).map((e) => e[0]), [
      "StockReserved",
      "StockReserved",
      "ReservationFulfilled",
      "ReservationReleased",
    ]);
    assert.equal((await failure(stack.lifecycle.release("not-a-uuid"))).violations[0]?.field, "reservation_id");
    assert.equal((await failure(stack.queries.get("0190b3a4-0000-7000-8000-000000000000"))).code, "RESERVATION.NOT_FOUND");
  });

  it("releases one reservation once however many concurrent releases race (medusa #12401: reserved went negative)", async () => {
    await stack.count("RACE-1", 6, T0);
    const a = (await stack.reserver.reserve(stack.request("RACE-1", 4))).reservation;
    await stack.reserver.reserve(stack.request("RACE-1", 2));
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 8 }, () => stack.lifecycle.release(a.id)),
      ...Array.from({ length: 4 }, () => stack.lifecycle.fulfil(a.id, "")),
    ]);
    const trail = await eventTrail(db.database, "RACE-1");
    const closings = trail.filter((e) => e[0] === "ReservationReleased" || e[0] === "ReservationFulfilled");
    assert.equal(closings.length, 1, "exactly one release or fulfilment took effect");
    assert.ok(outcomes.every((o) => o.status === "fulfilled" || isInventorySyncError(o.reason)));
    const record = await stockRecord(db.database, "RACE-1");
    assert.equal(record?.reserved, 2);
  });

  it("expires due reservations in sets, exactly once even with concurrent sweepers, and emits ReservationExpired", async () => {
    await stack.count("EXP-1", 50, T0);
    const made = [];
    for (let i = 0; i < 20; i++) made.push((await stack.reserver.reserve(stack.request("EXP-1", 1, { ttlMs: 1000 + i * 100 }))).reservation);
    const keep = (await stack.reserver.reserve(stack.request("EXP-1", 5, { ttlMs: 3_600_000 }))).reservation;
    clock.advance(1000 + 9 * 100);
    assert.equal(await stack.sweeper.sweep(), 10, "the first ten are due");
    clock.advance(10_000);
    const swept = await Promise.all([stack.sweeper.sweep(), stack.sweeper.sweep(), stack.sweeper.sweep()]);
    assert.equal(swept.reduce((a, b) => a + b, 0), 10, "three sweepers, ten reservations, each expired once");
    assert.deepEqual(await stockRecord(db.database, "EXP-1"), { onHand: 50, reserved: 5, available: 45 });
    assert.equal((await eventTrail(db.database, "EXP-1")).filter((e) => e[0] === "ReservationExpired").length, 20);
    assert.equal((await stack.queries.get(made[0]!.id)).status, "expired");
    assert.equal((await stack.queries.get(keep.id)).status, "active");
    assert.equal((await failure(stack.lifecycle.extend(made[0]!.id, 60_000))).code, "RESERVATION.NOT_ACTIVE");
  });

  it("a late fulfilment of an expired reservation takes the shipped units off on_hand, and flags units promised twice", async () => {
    await stack.count("LATE-1", 5, clock.now());
    const r = (await stack.reserver.reserve(stack.request("LATE-1", 2, { ttlMs: 1000 }))).reservation;
    clock.advance(2000);
    const overdue = await failure(stack.lifecycle.extend(r.id, 60_000));
    assert.equal(overdue.code, "RESERVATION.EXPIRED", "past its expiry before the sweeper ran");
    await stack.sweeper.sweep();
    assert.deepEqual(await stockRecord(db.database, "LATE-1"), { onHand: 5, reserved: 0, available: 5 });
    await stack.reserver.reserve(stack.request("LATE-1", 4));
    assert.equal((await stack.lifecycle.fulfil(r.id, "late")).status, "fulfilled");
    assert.deepEqual(await stockRecord(db.database, "LATE-1"), { onHand: 3, reserved: 4, available: 0 });
    assert.deepEqual((await eventTrail(db.database, "LATE-1")).slice(-2), [
      ["ReservationFulfilled", 5, 0, 3, 4, 0],
      ["StockShortfallDetected", 5, -1, 3, 4, 0],
    ]);
    const { rows } = await db.database.knex.raw(`SELECT status, ours::int, theirs::int FROM discrepancies WHERE sku = 'LATE-1'`);
    assert.deepEqual(rows, [{ status: "open", ours: 4, theirs: 3 }]);
  });

  it("lists reservations by order, SKU and status, in creation order, page by page", async () => {
    await stack.count("LIST-1", 20, clock.now());
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await stack.reserver.reserve(stack.request("LIST-1", 1, { orderReference: "O-LIST" }))).reservation.id);
    await stack.lifecycle.release(ids[1]!);
    const first = await stack.queries.list({ orderReference: "O-LIST", sku: "", status: undefined, pageSize: 3, pageToken: "" });
    const second = await stack.queries.list({ orderReference: "O-LIST", sku: "", status: undefined, pageSize: 3, pageToken: first.nextPageToken });
    assert.deepEqual([...first.reservations, ...second.reservations].map((r) => r.id), ids);
    assert.equal(second.nextPageToken, "");
    const active = await stack.queries.list({ orderReference: "", sku: "LIST-1", status: "active", pageSize: 0, pageToken: "" });
    assert.equal(active.reservations.length, 4);
    assert.equal((await failure(stack.queries.list({ orderReference: "", sku: "", status: undefined, pageSize: 0, pageToken: "x" }))).violations[0]?.field, "page_token");
  });

  it("the drift check finds a counter changed behind the reservations' back, and the runbook's repair fixes it", async () => {
    await stack.count("DRIFT-1", 10, clock.now());
    await stack.reserver.reserve(stack.request("DRIFT-1", 3));
    await db.database.knex.raw(`UPDATE inventory SET reserved = reserved + 2 WHERE sku = 'DRIFT-1'`);
    const report = await stack.drift.verify();
    assert.deepEqual([report.driftedRecords, report.driftedSkus], [1, 1]);
    assert.deepEqual(report.drifts, [{ sku: "DRIFT-1", locationId: "default", reserved: 5, activeReserved: 3 }]);
    await db.database.knex.transaction(async (trx) => {
      for (const statement of REPAIR_SQL) await trx.raw(statement.replaceAll(":sku", "'DRIFT-1'"));
    });
  });
});

/**
 * The README runbook's repair, statement by statement (kept here verbatim so it is tested): lock the
 * SKU's records first, so no reservation of it can commit meanwhile, then recompute from a snapshot
 * taken after the lock.
 */
const REPAIR_SQL = [
  `SELECT sku, location_id FROM inventory WHERE sku = :sku ORDER BY location_id FOR UPDATE`,
  `UPDATE inventory AS i SET reserved = coalesce((SELECT sum(r.quantity) FROM reservations r
     WHERE r.sku = i.sku AND r.location_id = i.location_id AND r.status = 'active'), 0), updated_at = now()
   WHERE i.sku = :sku`,
];
