import assert from "node:assert/strict";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { silentLogger } from "../../shared/logger.js";
import { openDatabase, type Database } from "./database.js";
import { RESERVATION_OUTCOMES, reservationBindings } from "./knex-scorecard-source.js";

/**
 * The scorecard's SQL must stay usable at a real day's size (the default evaluation day: 150,000
 * records, ~340,000 WMS updates, ~200,000 order lines). Sizes are a benchmark's business; what a
 * test can pin is the plan's shape: each order line finds its record's latest WMS update through
 * the index on (sku, location_id, observed_at), not a scan of every update per line. It could
 * not while the comparison was made in `reservations`' "C" collation, which the index of
 * `wms_updates` (default collation) cannot serve.
 */
describe("scorecard SQL on PostgreSQL: the plan an order line's path lookup gets", function () {
  this.timeout(30_000);
  let testDb: TestDatabase;
  let database: Database;

  before(async () => {
    testDb = await createTestDatabase("scorecard_plan");
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 2 }, silentLogger);
    await database.migrate();
  });
  after(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it("looks each line's record up in wms_updates_sku_location by sku and location, not by time alone", async () => {
    const window = { from: new Date(Date.now() - 86_400_000), to: new Date() };
    const plan = await database.knex.transaction(async (trx) => {
      await trx.raw("SET LOCAL enable_seqscan = off"); // an empty table would be scanned whatever the index could do
      const { rows } = await trx.raw<{ rows: Array<{ "QUERY PLAN": string }> }>(`EXPLAIN ${RESERVATION_OUTCOMES}`, reservationBindings(window));
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    const lookup = /Index (?:Only )?Scan (?:Backward )?using wms_updates_sku_location on wms_updates \w+[^\n]*\n\s*Index Cond: \(\(sku = /;
    assert.match(plan, lookup, plan);
  });
});
