import assert from "node:assert/strict";
import { migratedDatabase, migrateBefore, migrateDown } from "../../../contract-tests/support/migrated-database.js";
import type { ReplayFilter } from "../../wms-ingestion/application/inbox-replay.js";
import { KnexInboxArchive } from "./knex-inbox-archive.js";

const ALL: ReplayFilter = { status: "applied", sku: undefined, wmsId: undefined, receivedFrom: undefined, receivedTo: undefined, limit: 1000 };

describe("KnexInboxArchive on PostgreSQL", function () {
  const db = migratedDatabase("inbox_archive");
  let archive: KnexInboxArchive;

  before(async () => {
    archive = new KnexInboxArchive(db.database.knex);
    // Ids 1..30 (crossing 9 → 10): every third rejected, received one minute apart from 00:00.
    await db.database.knex.raw(
      `INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, location_id, quantity, status,
         reject_field, reject_code, reject_reason, payload, received_at)
       SELECT 'b', g, 'wms.v1', 'w-' || (g % 2), g, 'SKU-' || (g % 5), 'default', g,
         CASE WHEN g % 3 = 0 THEN 'rejected' ELSE 'applied' END,
         CASE WHEN g % 3 = 0 THEN 'quantity' END, CASE WHEN g % 3 = 0 THEN 'QUANTITY_NEGATIVE' END, CASE WHEN g % 3 = 0 THEN 'below zero' END,
         json_build_object('n', g), timestamptz '2026-12-01T00:00:00Z' + g * interval '1 minute'
       FROM generate_series(1, 30) AS g`,
    );
  });

  /** Every page of `filter`, `pageSize` at a time, as the replay reads them. */
  async function allPages(filter: ReplayFilter, pageSize: number): Promise<number[]> {
    const seen: number[] = [];
    let after = "0";
    for (;;) {
      const page = await archive.select(filter, after, pageSize);
      if (page.length === 0) return seen;
      seen.push(...page.map((row) => (row.payload as { n: number }).n));
      after = page.at(-1)!.id;
    }
  }

  it("pages in id order across ids of different lengths, so no row is skipped", async () => {
    const expected = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => n % 3 !== 0);
    assert.deepEqual(await allPages(ALL, 4), expected);
  });

  it("selects rejected rows by status, SKU, source and receive window", async () => {
    assert.deepEqual(await allPages({ ...ALL, status: "rejected" }, 3), [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    assert.deepEqual(await allPages({ ...ALL, status: "rejected", sku: "SKU-0" }, 3), [15, 30]);
    assert.deepEqual(await allPages({ ...ALL, wmsId: "w-1", sku: "SKU-1" }, 2), [1, 11]);
    const window = { receivedFrom: new Date("2026-12-01T00:10:00Z"), receivedTo: new Date("2026-12-01T00:14:00Z") };
    assert.deepEqual(await allPages({ ...ALL, ...window }, 2), [10, 11, 13]);
  });

  it("leaves out rejected rows already replayed", async () => {
    const [first] = await archive.select({ ...ALL, status: "rejected" }, "0", 1);
    await archive.markReplayed([first!.id], "replay-1");
    assert.deepEqual((await allPages({ ...ALL, status: "rejected" }, 5)).slice(0, 2), [6, 9]);
  });
});

describe("migration 0021-inbox-payload-json (PostgreSQL)", function () {
  this.timeout(30_000);
  const db = migratedDatabase("inbox_payload_json_migration", 2, false);

  it("keeps the inbox's payloads as json, read back alike by replay, and goes back down to jsonb", async () => {
    const { knex } = db.database;
    await migrateBefore(knex, "0021");
    await knex.raw(
      `INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, location_id, quantity, status, payload)
       VALUES ('b', 0, 'wms.v1', 'w-1', 1, 'SKU-1', 'default', 5, 'applied', '{"wmsId": "w-1", "sku": "SKU-1", "quantity": 5}'::jsonb)`,
    );
    await db.database.migrate();
    const read = async () => (await knex.raw<{ rows: Array<{ text: string; type: string; sku: string }> }>(`SELECT payload::text AS text, pg_typeof(payload)::text AS type, payload->>'sku' AS sku FROM wms_updates`)).rows;
    assert.deepEqual(await read(), [{ text: `{"sku": "SKU-1", "wmsId": "w-1", "quantity": 5}`, type: "json", sku: "SKU-1" }]);
    const [replayed] = await new KnexInboxArchive(knex).select(ALL, "0", 10);
    assert.deepEqual(replayed?.payload, { wmsId: "w-1", sku: "SKU-1", quantity: 5 });

    await migrateDown(knex, "0021-inbox-payload-json");
    assert.deepEqual(await read(), [{ text: `{"sku": "SKU-1", "wmsId": "w-1", "quantity": 5}`, type: "jsonb", sku: "SKU-1" }]);
  });
});
