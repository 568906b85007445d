import { fromBinary } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ClearReason, StockRunningLowClearedSchema, StockRunningLowSchema } from "../../../gen/invsync/events/v1/stock_alert_pb.js";
import { embeddedDatabase } from "../../../contract-tests/support/embedded-database.js";
import { migratedDatabase, migrateDown } from "../../../contract-tests/support/migrated-database.js";
import { EstimatorPositionMoved } from "../../low-stock/application/depletion-estimates.port.js";
import type { DepletionEstimate } from "../../low-stock/domain/depletion-estimate.js";
import type { LowStockAlert } from "../../low-stock/domain/low-stock-alert.js";
import { encodeAlert } from "../messaging/stock-alert-codec.js";
import type { Database } from "./database.js";
import { KnexDepletionEstimates } from "./knex-depletion-estimates.js";
import { encodeEvent } from "../messaging/event-codec.js";
import { KnexEventOutbox } from "./knex-event-outbox.js";
import { outboxPartition } from "../../outbox/outbox-partition.js";
import { KnexLowStockAlertOutbox } from "./knex-low-stock-alert-outbox.js";
import { KnexUnitOfWork } from "./knex-unit-of-work.js";

const AT = new Date("2026-12-07T10:00:00.000Z");

function estimate(sku: string, locationId: string, open: boolean, weight = 4.25): DepletionEstimate {
  return {
    sku,
    locationId,
    available: 12,
    version: 7,
    weight,
    weightAt: AT,
    since: new Date(AT.getTime() - 3_600_000),
    alert: open ? { eventId: randomUUID(), raisedAt: AT, available: 12 } : undefined,
  };
}

const raised: LowStockAlert = {
  type: "StockRunningLow",
  eventId: "0193a000-0000-7000-8000-0000000000a1",
  sku: "P.1",
  locationId: "WH-1",
  available: 12,
  ratePerHour: 4.5,
  expectedStockoutAt: new Date(AT.getTime() + 9_600_000),
  horizonMs: 14_400_000,
  halfLifeMs: 3_600_000,
  stockVersion: 7,
  at: AT,
};
const cleared: LowStockAlert = { ...raised, type: "StockRunningLowCleared", eventId: "0193a000-0000-7000-8000-0000000000a2", available: 300, stockVersion: 8, expectedStockoutAt: undefined, reason: "restocked", raisedEventId: raised.eventId };

/** The same behaviour on PostgreSQL and on the embedded PGlite. */
function suite(engine: string, db: { readonly database: Database }) {
  describe(`low-stock persistence (${engine})`, function () {
    this.timeout(60_000);

    it("saves and locks estimates, alert or not, and counts records running low by location", async () => {
      const { knex } = db.database;
      const store = new KnexDepletionEstimates(knex);
      const uow = new KnexUnitOfWork(knex);
      const saved = [estimate("A", "WH-1", true), estimate("B", "WH-1", false), estimate("C", "WH-2", true, 0)];
      await uow.run((tx) => store.save(tx, saved));
      const read = await uow.run((tx) => store.lock(tx, [{ sku: "C", locationId: "WH-2" }, { sku: "A", locationId: "WH-1" }, { sku: "Z", locationId: "WH-1" }, { sku: "B", locationId: "WH-1" }]));
      assert.deepEqual(read, [saved[0], saved[1], saved[2]]);
      assert.deepEqual([...(await store.runningLowByLocation())].sort(), [["WH-1", 1], ["WH-2", 1]]);
      const changed = { ...saved[0]!, available: 3, version: 9, weight: 8.5, alert: undefined };
      await uow.run((tx) => store.save(tx, [changed]));
      assert.deepEqual(await uow.run((tx) => store.lock(tx, [{ sku: "A", locationId: "WH-1" }])), [changed]);
    });

    it("pages through records running low in key order", async () => {
      const { knex } = db.database;
      const store = new KnexDepletionEstimates(knex);
      const uow = new KnexUnitOfWork(knex);
      await uow.run((tx) => store.save(tx, ["K1", "K2", "K3", "K4", "K5"].map((sku) => estimate(sku, "WH-9", true))));
      const first = await uow.run((tx) => store.runningLow(tx, 3, undefined));
      const rest = await uow.run((tx) => store.runningLow(tx, 3, first.at(-1)));
      const keys = [...first, ...rest].map((e) => `${e.sku}@${e.locationId}`);
      assert.deepEqual(keys, [...new Set(keys)].sort());
      assert.ok(["K1", "K5"].every((sku) => keys.includes(`${sku}@WH-9`)));
    });

    it("moves the position only from where it was read: another mover makes it refuse, and nothing of that transaction stays", async () => {
      const { knex } = db.database;
      const store = new KnexDepletionEstimates(knex);
      const uow = new KnexUnitOfWork(knex);
      assert.equal(await store.position(), 0);
      await uow.run((tx) => store.save(tx, [], { from: 0, to: 120 }));
      assert.equal(await store.position(), 120);
      await assert.rejects(
        uow.run((tx) => store.save(tx, [estimate("LOST", "WH-1", false)], { from: 0, to: 200 })),
        (e: unknown) => e instanceof EstimatorPositionMoved && e.expected === 0 && e.actual === 120,
      );
      assert.equal(await store.position(), 120);
      assert.deepEqual(await uow.run((tx) => store.lock(tx, [{ sku: "LOST", locationId: "WH-1" }])), []);
    });

    it("keeps each alert and queues it for the relay as its own message type, in chunks of the relay's batch", async () => {
      const { knex } = db.database;
      const woken: string[] = [];
      const outbox = new KnexLowStockAlertOutbox(encodeAlert, () => woken.push("relay"), 1);
      await new KnexUnitOfWork(knex).run((tx) => outbox.append(tx, [raised, cleared]));
      assert.deepEqual(woken, ["relay"]);
      const { rows } = await knex.raw<{ rows: Array<{ type: string; reason: string | null; raised_event_id: string | null; expected_stockout_at: unknown }> }>(
        `SELECT type, reason, raised_event_id, expected_stockout_at FROM low_stock_alerts ORDER BY type`,
      );
      assert.deepEqual(rows.map((r) => [r.type, r.reason, r.raised_event_id, r.expected_stockout_at === null]), [
        ["StockRunningLow", null, null, false],
        ["StockRunningLowCleared", "restocked", raised.eventId, true],
      ]);
      const queued = await new KnexEventOutbox(knex, encodeEvent).fetchUnpublished(10, []);
      const mine = queued.filter((m) => m.type.startsWith("StockRunningLow"));
      assert.deepEqual(mine.map((m) => [m.type, m.sku, m.eventId, m.position.endsWith(".0")]), [
        ["StockRunningLow", "P.1", raised.eventId, true],
        ["StockRunningLowCleared", "P.1", cleared.eventId, true],
      ]);
      const low = fromBinary(StockRunningLowSchema, mine[0]!.payload);
      assert.deepEqual([low.available, low.ratePerHour, low.stockVersion, Number(low.horizon?.seconds)], [12n, 4.5, 7n, 14_400]);
      const clear = fromBinary(StockRunningLowClearedSchema, mine[1]!.payload);
      assert.deepEqual([clear.reason, clear.raisedEventId, clear.expectedStockoutAt], [ClearReason.RESTOCKED, raised.eventId, undefined]);
    });

    it("queues each alert in its stock record's outbox partition, as the record's events", async () => {
      const { knex } = db.database;
      const one = { ...raised, eventId: randomUUID() };
      const other = { ...raised, eventId: randomUUID(), sku: "Q.9", locationId: "WH-2" };
      const before = await knex.raw<{ rows: Array<{ last: string | null }> }>(`SELECT max(id) AS last FROM outbox_chunks`);
      await new KnexUnitOfWork(knex).run((tx) => new KnexLowStockAlertOutbox(encodeAlert, () => undefined, 1000, 16).append(tx, [one, other]));
      const { rows } = await knex.raw<{ rows: Array<{ relay_partition: number; events: number }> }>(
        `SELECT relay_partition, events FROM outbox_chunks WHERE id > ? ORDER BY id`,
        [before.rows[0]!.last ?? 0],
      );
      const expected = [outboxPartition(one.sku, one.locationId, 16), outboxPartition(other.sku, other.locationId, 16)];
      assert.notEqual(expected[0], expected[1], "the two records fall in different partitions");
      assert.deepEqual(rows.map((r) => [r.relay_partition, r.events]), expected.map((p) => [p, 1]));
    });
  });
}

suite("PostgreSQL", migratedDatabase("low_stock_store"));
suite("PGlite", embeddedDatabase("low-stock-store"));

describe("migration 0020-low-stock-estimates", function () {
  this.timeout(60_000);
  const db = migratedDatabase("low_stock_migration");

  it("goes down (the three tables gone) and up again", async () => {
    const { knex } = db.database;
    await migrateDown(knex, "0020-low-stock-estimates");
    const tables = async () => (await knex.raw<{ rows: Array<{ t: string }> }>(`SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'low_stock_%' ORDER BY 1`)).rows.map((r) => r.t);
    assert.deepEqual(await tables(), []);
    await db.database.migrate();
    assert.deepEqual(await tables(), ["low_stock_alerts", "low_stock_estimates", "low_stock_position"]);
  });
});
