import assert from "node:assert/strict";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import { KnexAuditLog } from "./knex-audit-log.js";
import { KnexComparisonStore } from "./knex-comparison-store.js";

/**
 * Ids are read as text (bigint beyond 2^53) but must be ordered as numbers: `ORDER BY id` after
 * `id::text AS id` sorts the text, '10' before '9'. Each table here gets twelve rows, across the boundary.
 */
describe("id order of paged and latest-row reads on PostgreSQL", function () {
  const db = migratedDatabase("id_order");

  it("pages the audit log by id as a number", async () => {
    await db.database.knex.raw(
      `INSERT INTO audit_log (at, actor, role, action, note) SELECT now(), 'ops', 'operator', 'ingestion_paused', g::text FROM generate_series(1, 12) AS g`,
    );
    const audit = new KnexAuditLog(db.database.knex);
    const none = { sku: undefined, locationId: undefined, action: undefined, from: undefined, to: undefined };
    const notes: string[] = [];
    for (let after = 0; ; ) {
      const page = await audit.list(none, after, 5);
      if (page.length === 0) break;
      notes.push(...page.map((entry) => entry.note));
      after = Number(page.at(-1)!.id);
    }
    assert.deepEqual(notes, Array.from({ length: 12 }, (_, i) => String(i + 1)));
  });

  it("finds the latest shadow comparison by id as a number", async () => {
    await db.database.knex.raw(
      `INSERT INTO shadow_comparisons (trigger, started_at, finished_at) SELECT 'on_demand', now(), now() FROM generate_series(1, 12)`,
    );
    assert.equal((await new KnexComparisonStore(db.database.knex).latest())?.id, "12");
  });
});
