import assert from "node:assert/strict";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { silentLogger } from "../../shared/logger.js";
import { GapMonitor, type SequenceGap } from "../../wms-ingestion/application/gap-monitor.js";
import type { WmsDecoder } from "../../wms-ingestion/application/raw-update.js";
import type { BatchIngestor } from "../../wms-ingestion/application/wms-batch-ingestion.js";
import { WmsPull, type PullCursors, type PullRange, type WmsFeed } from "../../wms-ingestion/application/wms-pull.js";
import { PgAdvisoryLease, WMS_PULL_JOB } from "./pg-advisory-lease.js";

/** A WMS pull endpoint with nothing to hand out, counting who asked for which range. */
class CountingFeed implements WmsFeed {
  readonly schemaVersion = "wms.v1";
  readonly asked: PullRange[] = [];
  async fetch(range: PullRange): Promise<[]> {
    this.asked.push(range);
    return [];
  }
}

describe("gap healing with several replicas (an advisory-lock lease on PostgreSQL)", function () {
  this.timeout(20_000);
  let testDb: TestDatabase;
  const gap: SequenceGap = { wmsId: "wms-a", firstMissing: 5n, lastMissing: 9n };
  const gaps = { find: async () => [gap] };

  before(async () => {
    testDb = await createTestDatabase("pull_replicas");
  });
  after(async () => {
    await testDb?.drop();
  });

  /** A replica: its pull (on a feed of its own, to count what it pulled), gap monitor and lease. */
  const replica = () => {
    const feed = new CountingFeed();
    // pullRange of an empty range reads no cursor, decodes and ingests nothing.
    const pull = new WmsPull(feed, {} as PullCursors, {} as WmsDecoder, {} as BatchIngestor, 100, silentLogger);
    const reported: SequenceGap[][] = [];
    const lease = new PgAdvisoryLease(testDb.url, WMS_PULL_JOB, silentLogger);
    return { feed, lease, reported, monitor: new GapMonitor(gaps, pull, (found) => void reported.push([...found]), silentLogger, lease) };
  };

  it("every replica reports the gap, only the lease holder pulls the missing range, and another takes over when it stops", async () => {
    const replicas = [replica(), replica(), replica()];
    try {
      for (let round = 0; round < 3; round++) for (const r of replicas) await r.monitor.check();
      assert.deepEqual(replicas.map((r) => r.reported.length), [3, 3, 3], "each replica reports every check");
      assert.deepEqual(replicas.map((r) => r.feed.asked.length), [3, 0, 0], "one replica heals, once per check");
      assert.deepEqual(replicas[0]!.feed.asked[0], { wmsId: "wms-a", afterSequence: 4n, toSequence: 9n });
      await replicas[0]!.lease.release();
      await replicas[1]!.monitor.check();
      await replicas[2]!.monitor.check();
      assert.deepEqual(replicas.map((r) => r.feed.asked.length), [3, 1, 0], "the next replica takes the lease over");
    } finally {
      await Promise.all(replicas.map((r) => r.lease.release()));
    }
  });
});
