import assert from "node:assert/strict";
import { join } from "node:path";
import { embeddedDatabase } from "../../../contract-tests/support/embedded-database.js";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { bootstrapFlags, routedIngestionStack } from "../../../contract-tests/support/routed-stack.js";
import { wmsUpdate } from "../../../contract-tests/support/wms-fixtures.js";
import type { UnleashFeatureFlags } from "../flags/unleash-feature-flags.js";
import { silentLogger } from "../../shared/logger.js";
import { openDatabase, type Database } from "./database.js";
import { fromBinary } from "@bufbuild/protobuf";
import { InventoryEventSchema } from "../../../gen/invsync/events/v1/inventory_event_pb.js";

async function onHand(database: Database, sku: string): Promise<number | undefined> {
  const { rows } = await database.knex.raw(`SELECT sum(on_hand)::int AS n FROM inventory WHERE sku = ?`, [sku]);
  return rows[0]?.n ?? undefined;
}

describe("WMS ingestion on PostgreSQL", function () {
  let testDb: TestDatabase;
  let database: Database;
  let stack: ReturnType<typeof routedIngestionStack>;
  let flags: UnleashFeatureFlags;

  before(async () => {
    testDb = await createTestDatabase("ingestion");
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 10 }, silentLogger);
    await database.migrate();
    flags = await bootstrapFlags("flags/all-new.json");
    stack = routedIngestionStack(database, flags);
  });
  after(async () => {
    flags?.close();
    await database?.close();
    await testDb?.drop();
  });

  it("forbids negative quantities and a second accepted (wms_id, sequence) in the database itself", async () => {
    await assert.rejects(database.knex.raw(`INSERT INTO inventory (sku, location_id, on_hand) VALUES ('NEG', 'default', -1)`), /check constraint/);
    await assert.rejects(database.knex.raw(`INSERT INTO inventory (sku, location_id, reserved) VALUES ('NEG', 'default', -1)`), /check constraint/);
    const row = `('b', 0, 'wms.v1', 'dup-src', 1, 'X', 'default', 1, 'applied', '{}')`;
    const insert = `INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, location_id, quantity, status, payload) VALUES ${row}`;
    await database.knex.raw(insert);
    await assert.rejects(database.knex.raw(insert), /duplicate key/);
  });

  it("applies a batch once: a resend is all duplicates, moves no stock and appends no event", async () => {
    const updates = [wmsUpdate("DUP-1", 1, 5, { wmsId: "w-dup" }), wmsUpdate("DUP-2", 2, 7, { wmsId: "w-dup" })];
    const first = await stack.sync("b-dup", updates);
    assert.deepEqual([first.accepted, first.duplicate, first.stale, first.rejected], [2, 0, 0, 0]);
    const again = await stack.sync("b-dup", updates);
    assert.deepEqual([again.accepted, again.duplicate, again.stale, again.rejected], [0, 2, 0, 0]);
    assert.equal(await onHand(database, "DUP-1"), 5);
    const { rows } = await database.knex.raw(`SELECT count(*)::int AS n FROM inventory_events WHERE sku IN ('DUP-1', 'DUP-2')`);
    assert.equal(rows[0].n, 2);
  });

  it("counts a repeat inside one batch as a duplicate", async () => {
    const update = wmsUpdate("DUP-3", 1, 5, { wmsId: "w-dup-in" });
    const result = await stack.sync("b-dup-in", [update, { ...update, quantity: 9 }]);
    assert.deepEqual([result.accepted, result.duplicate], [1, 1]);
    assert.equal(await onHand(database, "DUP-3"), 5, "the first arrival wins");
  });

  it("records an older sequence as stale in the inbox and leaves stock as the newer one set it", async () => {
    await stack.sync("b-new", [wmsUpdate("STALE-1", 10, 8, { wmsId: "w-stale" })]);
    const result = await stack.sync("b-old", [wmsUpdate("STALE-1", 9, 100, { wmsId: "w-stale" })]);
    assert.deepEqual([result.accepted, result.stale], [0, 1]);
    assert.equal(await onHand(database, "STALE-1"), 8);
    const { rows } = await database.knex.raw(`SELECT status FROM wms_updates WHERE wms_id = 'w-stale' ORDER BY sequence`);
    assert.deepEqual(rows.map((r: { status: string }) => r.status), ["stale", "applied"]);
  });

  it("keeps every rejected update in the inbox with its reason, even bytes PostgreSQL cannot store verbatim", async () => {
    const result = await stack.sync("b-bad", [
      wmsUpdate("OK-1", 1, 3, { wmsId: "w-bad" }),
      wmsUpdate("BAD\u0000SKU", 2, 3, { wmsId: "w-bad" }),
      wmsUpdate("BAD \u{1F4A9}", 3, 3, { wmsId: "w-bad", status: "\u0000" }),
      wmsUpdate("BAD-2", 4, -3, { wmsId: "w-bad" }),
    ]);
    assert.deepEqual([result.accepted, result.rejected], [1, 3]);
    assert.deepEqual(result.rejections.map((r) => [r.index, r.field, r.code]), [
      [1, "sku", "SKU_MALFORMED"],
      [2, "sku", "SKU_MALFORMED"],
      [3, "quantity", "QUANTITY_NEGATIVE"],
    ]);
    const { rows } = await database.knex.raw(
      `SELECT batch_index, reject_code, reject_reason, payload->>'sku' AS sku FROM wms_updates WHERE batch_id = 'b-bad' AND status = 'rejected' ORDER BY batch_index`,
    );
    assert.deepEqual(rows.map((r: { batch_index: number }) => r.batch_index), [1, 2, 3]);
    assert.equal(rows[0].sku, "BAD\uFFFDSKU");
    assert.equal(rows[2].reject_reason, "must be 0 or more, got -3");
  });

  it("stays correct when concurrent batches share SKUs: no deadlock escapes, the newest count wins", async () => {
    const skus = Array.from({ length: 30 }, (_, i) => `CONC-${i}`);
    const batches = Array.from({ length: 24 }, (_, b) =>
      skus
        .map((sku, i) => wmsUpdate(sku, b * 100 + i + 1, b * 10 + i, { wmsId: "w-conc" }))
        .sort(() => Math.random() - 0.5),
    );
    const results = await Promise.all(batches.map((updates, b) => stack.sync(`b-conc-${b}`, updates)));
    const applied = results.reduce((sum, r) => sum + r.accepted, 0);
    const stale = results.reduce((sum, r) => sum + r.stale, 0);
    assert.equal(applied + stale, 24 * 30);
    for (const [i, sku] of skus.entries()) assert.equal(await onHand(database, sku), 23 * 10 + i, sku);
    const { rows } = await database.knex.raw(`SELECT count(*)::int AS n FROM inventory_events WHERE sku LIKE 'CONC-%'`);
    assert.equal(rows[0].n, applied, "one event per applied update");
    const versions = await database.knex.raw(
      `SELECT sku, array_agg(version ORDER BY seq) AS v FROM inventory_events WHERE sku LIKE 'CONC-%' GROUP BY sku`,
    );
    for (const row of versions.rows as Array<{ v: Array<string | number> }>) {
      assert.deepEqual(row.v.map(Number), row.v.map((_, i) => i + 1), "outbox order per SKU follows the stock version");
    }
  });

  it("pages through SKUs in order, with a prefix filter, and refuses a forged page token", async () => {
    await stack.sync("b-page", ["PAGE-C", "PAGE-A", "PAGE-B", "PAGE_X"].map((sku, i) => wmsUpdate(sku, i + 1, 1, { wmsId: "w-page" })));
    const first = await stack.queries.list({ pageSize: 2, pageToken: "", skuPrefix: "PAGE-" });
    assert.deepEqual(first.stock.map((s) => s.sku), ["PAGE-A", "PAGE-B"]);
    const second = await stack.queries.list({ pageSize: 2, pageToken: first.nextPageToken, skuPrefix: "PAGE-" });
    assert.deepEqual(second.stock.map((s) => s.sku), ["PAGE-C"]);
    assert.equal(second.nextPageToken, "");
    await assert.rejects(stack.queries.list({ pageSize: 2, pageToken: "garbage!", skuPrefix: "" }), /page_token/);
    await assert.rejects(stack.queries.list({ pageSize: 5000, pageToken: "", skuPrefix: "" }), /page_size/);
  });
});

describe("WMS ingestion on embedded PGlite", function () {
  this.timeout(60_000);
  const db = embeddedDatabase("ingestion");
  let flags: UnleashFeatureFlags;

  before(async () => {
    flags = await bootstrapFlags("flags/all-new.json");
  });
  after(() => flags?.close());

  it("runs the same migrations and set-based statements as PostgreSQL", async () => {
    const stack = routedIngestionStack(db.database, flags);
    const result = await stack.sync("b-lite", [wmsUpdate("LITE-1", 1, 4), wmsUpdate("LITE-1", 2, 6), wmsUpdate("LITE-2", 3, 1.5)]);
    assert.deepEqual([result.accepted, result.rejected], [2, 1]);
    const stock = await stack.queries.get("LITE-1");
    assert.equal(stock.onHand, 6);
    assert.equal(stock.locations[0]?.version, 2);
    const events = (await stack.outbox.fetchUnpublished(10, [])).map((m) => fromBinary(InventoryEventSchema, m.payload));
    assert.deepEqual(events.map((e) => [e.sku, Number(e.after?.onHand), e.cause?.kind.case === "wmsUpdate" ? e.cause.kind.value.sequence : undefined]), [
      ["LITE-1", 4, 1n],
      ["LITE-1", 6, 2n],
    ]);
  });

  it("refuses a second process on the same data folder", async () => {
    const { DataDirLock } = await import("./data-dir-lock.js");
    // This process holds the lock; a holder with another live pid must be refused.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(db.dataDir, "invsync.lock"), String(process.ppid));
    assert.throws(() => DataDirLock.acquire(db.dataDir), /in use by process/);
    writeFileSync(join(db.dataDir, "invsync.lock"), String(process.pid));
  });
});
