import assert from "node:assert/strict";
import { migratedDatabase, migrateBefore, migrateDown } from "../../../contract-tests/support/migrated-database.js";
import { KnexUnitOfWork } from "../persistence/knex-unit-of-work.js";
import { KnexLegacyFeed } from "./knex-legacy-feed.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("KnexLegacyFeed on PostgreSQL", function () {
  this.timeout(30_000);
  const db = migratedDatabase("legacy_feed", 4);

  /** Committed inbox rows of legacy SKUs, as ingestion would have stored them; their ids. */
  async function inboxRows(...skus: string[]): Promise<string[]> {
    const { rows } = await db.database.knex.raw<{ rows: Array<{ id: string }> }>(
      `INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, location_id, quantity, observed_at, status, payload, path)
       SELECT 'b', s.i, 'wms.v1', 'w-order', s.i, s.sku, 'default', 5, now(), 'forwarded', jsonb_build_object('sku', s.sku), 'legacy'
       FROM unnest(?::text[]) WITH ORDINALITY AS s(sku, i) RETURNING id::text AS id`,
      [skus],
    );
    return rows.map((row) => row.id);
  }

  const fed = async () =>
    (await db.database.knex.raw<{ rows: Array<{ id: string; sku: string }> }>(`SELECT id::text AS id, sku FROM legacy_inventory_feed ORDER BY legacy_inventory_feed.id`)).rows;

  it("gives feed ids in commit order: a second hand-off waits for the first to commit, so no reader sees an id before a lower one", async () => {
    const [first, second] = await inboxRows("ORDER-A", "ORDER-B");
    const feed = new KnexLegacyFeed(db.database.knex);
    const unitOfWork = new KnexUnitOfWork(db.database.knex);
    let commitFirst!: () => void;
    let firstHandedOn!: () => void;
    const handedOn = new Promise<void>((resolve) => (firstHandedOn = resolve));
    const a = unitOfWork.run(async (tx) => {
      await feed.handOn(tx, [{ inboxId: first!, path: "legacy" }], new Date());
      firstHandedOn();
      await new Promise<void>((resolve) => (commitFirst = resolve));
    });
    await handedOn;
    let secondCommitted = false;
    const b = unitOfWork.run((tx) => feed.handOn(tx, [{ inboxId: second!, path: "legacy" }], new Date())).then(() => (secondCommitted = true));

    try {
      await pause(300);
      assert.equal(secondCommitted, false, "the second hand-off waits while the first is open");
      assert.deepEqual(await fed(), [], "a reader sees neither row yet");
    } finally {
      commitFirst();
      await Promise.all([a, b]);
    }
    const rows = await fed();
    assert.deepEqual(rows.map((r) => r.sku), ["ORDER-A", "ORDER-B"]);
    assert.ok(BigInt(rows[0]!.id) < BigInt(rows[1]!.id), "the one committed first has the lower feed id");
  });
});

describe("KnexLegacyFeed: each update handed on as received", function () {
  this.timeout(30_000);
  const db = migratedDatabase("legacy_feed_forms", 2);

  it("keeps each payload's text byte for byte in its form, a CSV row as a JSON string, and the inbox's copy when none is given", async () => {
    const { rows: inbox } = await db.database.knex.raw<{ rows: Array<{ id: string }> }>(
      `INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, location_id, quantity, observed_at, status, payload, path)
       SELECT 'b', s.i, 'wms.v1', 'w-forms', s.i, 'FORM-' || s.i, 'default', 5, now(), 'forwarded', jsonb_build_object('sku', 'FORM-' || s.i, 'wmsId', 'w-forms'), 'legacy'
       FROM generate_series(1, 4) AS s(i) RETURNING id::text AS id`,
    );
    const json = `{ "wms_id" : "w-forms", "sequence": 1, "big": 12345678901234567890, "x": 2.50, "dup": 1, "dup": 2, "esc": "\\u00e9" }`;
    const proto = `{"wmsId":"w-forms","sequence":"2","observedAt":"2026-12-06T10:00:00.500Z"}`;
    const csv = `wms_id,sequence,sku\nw-forms,3,"FORM,3"`;
    const feed = new KnexLegacyFeed(db.database.knex);
    await new KnexUnitOfWork(db.database.knex).run((tx) =>
      feed.handOn(tx, [
        { inboxId: inbox[0]!.id, path: "legacy", received: { form: "json", text: json } },
        { inboxId: inbox[1]!.id, path: "shadow", received: { form: "proto-json", text: proto } },
        { inboxId: inbox[2]!.id, path: "legacy", received: { form: "csv", text: csv } },
        { inboxId: inbox[3]!.id, path: "legacy" },
      ], new Date()),
    );
    const { rows } = await db.database.knex.raw<{ rows: Array<{ form: string; text: string; path: string }> }>(
      `SELECT payload_form AS form, payload::text AS text, path FROM legacy_inventory_feed WHERE wms_id = 'w-forms' ORDER BY legacy_inventory_feed.id`,
    );
    assert.deepEqual(rows, [
      { form: "json", text: json, path: "legacy" },
      { form: "proto-json", text: proto, path: "shadow" },
      { form: "csv", text: JSON.stringify(csv), path: "legacy" },
      { form: "inbox-json", text: `{"sku": "FORM-4", "wmsId": "w-forms"}`, path: "legacy" },
    ]);
  });

  it("refuses a form the contract does not name", async () => {
    await assert.rejects(
      db.database.knex.raw(`UPDATE legacy_inventory_feed SET payload_form = 'xml' WHERE wms_id = 'w-forms'`),
      /payload_form/,
    );
  });
});

describe("migration 0014-received-payloads (PostgreSQL)", function () {
  this.timeout(30_000);
  const db = migratedDatabase("received_payloads_migration", 2, false);

  it("keeps the rows handed on before it as the inbox's copy (inbox-json), and goes back down to jsonb", async () => {
    const { knex } = db.database;
    await migrateBefore(knex, "0014");
    await knex.raw(
      `WITH inbox AS (
         INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, location_id, quantity, observed_at, status, payload, path)
         VALUES ('b', 0, 'wms.v1', 'w-old', 1, 'OLD-1', 'default', 5, now(), 'forwarded', '{"wmsId": "w-old", "sku": "OLD-1"}'::jsonb, 'legacy') RETURNING *)
       INSERT INTO legacy_inventory_feed (inbox_id, wms_id, sequence, sku, location_id, quantity, observed_at, path, payload, fed_at)
       SELECT id, wms_id, sequence, sku, location_id, quantity, observed_at, path, payload, now() FROM inbox`,
    );
    await db.database.migrate();
    const read = async () => (await knex.raw<{ rows: Array<Record<string, string>> }>(`SELECT * , payload::text AS text, pg_typeof(payload)::text AS type FROM legacy_inventory_feed`)).rows;
    const [after] = await read();
    assert.deepEqual([after!.payload_form, after!.text, after!.type], ["inbox-json", `{"sku": "OLD-1", "wmsId": "w-old"}`, "json"]);

    await migrateDown(knex, "0014-received-payloads");
    const [down] = await read();
    assert.deepEqual([down!.payload_form, down!.text, down!.type], [undefined, `{"sku": "OLD-1", "wmsId": "w-old"}`, "jsonb"]);
  });
});
