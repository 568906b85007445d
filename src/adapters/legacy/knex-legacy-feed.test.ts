import assert from "node:assert/strict";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
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
