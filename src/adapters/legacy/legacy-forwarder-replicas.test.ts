import assert from "node:assert/strict";
import { FakeLegacy } from "../../../contract-tests/support/fake-legacy.js";
import { bootstrapFlags, routedIngestionStack } from "../../../contract-tests/support/routed-stack.js";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { waitFor } from "../../../contract-tests/support/wait-for.js";
import { wmsUpdate } from "../../../contract-tests/support/wms-fixtures.js";
import type { UnleashFeatureFlags } from "../flags/unleash-feature-flags.js";
import { LegacyForwarder } from "../../migration/application/legacy-forwarder.js";
import { systemClock } from "../../shared/clock.js";
import { silentLogger } from "../../shared/logger.js";
import { openDatabase, type Database } from "../persistence/database.js";
import { LEGACY_FORWARDER_JOB, PgAdvisoryLease } from "../persistence/pg-advisory-lease.js";
import { HttpLegacyEndpoint } from "./http-legacy-endpoint.js";
import { KnexLegacyFeedQueue } from "./knex-legacy-feed-queue.js";

describe("LegacyForwarder replicas on PostgreSQL (advisory-lock lease, a fake legacy endpoint)", function () {
  this.timeout(30_000);
  let testDb: TestDatabase;
  let database: Database;
  let flags: UnleashFeatureFlags;
  let legacy: FakeLegacy;

  before(async () => {
    testDb = await createTestDatabase("legacy_replicas");
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 4 }, silentLogger);
    await database.migrate();
    flags = await bootstrapFlags("flags/all-legacy.json");
    legacy = await FakeLegacy.start();
  });
  after(async () => {
    flags?.close();
    await legacy?.close();
    await database?.close();
    await testDb?.drop();
  });

  /** A replica's forwarder; its requests carry its name, so the fake can tell who sent what. */
  const replica = (name: string) =>
    new LegacyForwarder(
      new KnexLegacyFeedQueue(database.knex),
      new HttpLegacyEndpoint({ url: legacy.url, authHeader: ["authorization", name], maxAttempts: 1, timeoutMs: 2000, backoffMs: 10 }),
      new PgAdvisoryLease(testDb.url, LEGACY_FORWARDER_JOB, silentLogger),
      systemClock,
      silentLogger,
      { batchSize: 4, pollMs: 20, maxBackoffMs: 100 },
    );

  it("forwards from one replica at a time; when it stops, another takes over where it left off, order kept", async () => {
    const stack = routedIngestionStack(database, flags);
    const [a, b] = [replica("a"), replica("b")];
    a.start();
    await stack.sync("r-0", [wmsUpdate("R-0", 1, 1, { wmsId: "w-r" })]);
    await waitFor("the first row delivered (replica a holds the lease)", async () => legacy.taken.length >= 1);
    b.start();
    await stack.sync("r-1", Array.from({ length: 10 }, (_, i) => wmsUpdate(`R-${i + 1}`, i + 2, i, { wmsId: "w-r" })));
    await waitFor("11 rows delivered", async () => legacy.taken.length >= 11);
    await a.stop();
    await stack.sync("r-2", Array.from({ length: 6 }, (_, i) => wmsUpdate(`R-${i + 11}`, i + 12, i, { wmsId: "w-r" })));
    await waitFor("17 rows delivered", async () => legacy.taken.length >= 17);
    await b.stop();

    const senders = legacy.requests.map((r) => r.authorization);
    assert.deepEqual([...new Set(senders)], ["a", "b"], `a alone while it ran, then b: ${senders}`);
    assert.ok(senders.indexOf("b") > senders.lastIndexOf("a"), "never both");
    const ids = legacy.taken.map((u) => BigInt(u.feedId));
    assert.deepEqual(ids, [...ids].sort((x, y) => (x < y ? -1 : 1)), "ascending feed ids across the hand-over");
    assert.equal(new Set(ids).size, 17, "each once");
  });
});
