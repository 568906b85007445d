import assert from "node:assert/strict";
import knex from "knex";
import pg from "pg";
import { createLogger } from "../src/adapters/observability/pino-logger.js";
import { FakeLegacy, type ForwardedUpdate } from "./support/fake-legacy.js";
import { runLegacyJob } from "./support/legacy-job.js";
import { scrape, valueOf } from "./support/prometheus-text.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { getJson, postJson, syncBatch, wmsUpdate, type WmsUpdateJson } from "./support/wms-fixtures.js";

const SECRET = "legacy-s3cret-token-0123";

/** Feed rows of `wmsId`, lowest id first. */
async function feedRows(db: pg.Client, wmsId: string) {
  const { rows } = await db.query<{ id: string; payload: Record<string, unknown>; delivered: boolean; attempts: number; last_error: string | null }>(
    `SELECT id::text AS id, payload, delivered_at IS NOT NULL AS delivered, attempts, last_error FROM legacy_inventory_feed WHERE wms_id = $1 ORDER BY id`,
    [wmsId],
  );
  return rows;
}

async function sync(svc: TestService, batchId: string, updates: WmsUpdateJson[]): Promise<void> {
  const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(batchId, updates));
  assert.deepEqual([res.status, res.body.accepted], [200, updates.length]);
}

const ofSource = (updates: readonly ForwardedUpdate[], wmsId: string) => updates.filter((u) => u.payload.wmsId === wmsId);
const allDelivered = (db: pg.Client, wmsId: string, n: number) => async () => {
  const rows = await feedRows(db, wmsId);
  return rows.length === n && rows.every((r) => r.delivered);
};

describe("contract: the legacy hand-off over HTTP (LEGACY_FORWARD_URL, a fake legacy endpoint)", function () {
  this.timeout(60_000);
  let legacy: FakeLegacy;
  let svc: TestService;
  let db: pg.Client;
  const logLines: Array<Record<string, unknown>> = [];

  before(async () => {
    legacy = await FakeLegacy.start();
    const logger = createLogger("info", { write: (line: string) => void logLines.push(JSON.parse(line)) });
    svc = await startTestService(
      "legacy_forward",
      {
        FLAGS_BOOTSTRAP_FILE: "flags/all-legacy.json",
        LEGACY_FORWARD_URL: legacy.url,
        LEGACY_FORWARD_AUTH_HEADER: `Authorization: Bearer ${SECRET}`,
        LEGACY_FORWARD_POLL_MS: "50",
        LEGACY_FORWARD_BATCH_SIZE: "3",
        LEGACY_FORWARD_MAX_ATTEMPTS: "3",
        LEGACY_FORWARD_TIMEOUT_MS: "2000",
      },
      { logger },
    );
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await svc?.stop();
    await legacy?.close();
  });

  it("POSTs legacy SKUs' updates unchanged and in feed-id order, a batch per request, with the auth header, and marks them delivered", async () => {
    const first = Array.from({ length: 7 }, (_, i) => wmsUpdate(`LF-${i}`, i + 1, 10 + i, { wmsId: "w-order" }));
    const second = [wmsUpdate("LF-0", 8, 3, { wmsId: "w-order" }), wmsUpdate("LF-9", 9, 4, { wmsId: "w-order" })];
    await sync(svc, "order-1", first);
    await sync(svc, "order-2", second);
    await waitFor("9 feed rows delivered", allDelivered(db, "w-order", 9));

    const rows = await feedRows(db, "w-order");
    const taken = ofSource(legacy.taken, "w-order");
    assert.deepEqual(taken.map((u) => u.feedId), rows.map((r) => r.id), "every row once, in feed-id order");
    assert.deepEqual(taken.map((u) => u.payload), [...first, ...second], "the WMS payload exactly as the WMS sent it");
    assert.ok(taken.every((u) => u.path === "legacy" && u.schemaVersion === "wms.v1"));
    assert.ok(rows.every((r) => r.attempts === 1 && r.last_error === null));
    for (const request of legacy.requests) {
      assert.equal(request.version, "invsync.legacy-feed.v1");
      assert.ok(request.updates.length >= 1 && request.updates.length <= 3, "at most LEGACY_FORWARD_BATCH_SIZE per POST");
      assert.equal(request.authorization, `Bearer ${SECRET}`);
      assert.equal(request.contentType, "application/json");
    }
    assert.equal((await getJson(`${svc.baseUrl}/inventory/LF-1`)).status, 404, "legacy owns the SKU: the new path wrote nothing");
    const samples = await scrape(svc.baseUrl);
    assert.equal(valueOf(samples, "invsync_legacy_forwarded_updates_total"), 9);
    assert.equal(valueOf(samples, "invsync_legacy_feed_backlog"), 0);
  });

  it("rides out a 503, a dropped connection and a lost answer: delayed, nothing lost, nothing doubled beyond the redelivery (same feed ids)", async () => {
    legacy.script.push({ status: 503 }, "drop", "accept-then-drop");
    const before = legacy.requests.length;
    const updates = [wmsUpdate("LF-20", 1, 5, { wmsId: "w-fail" }), wmsUpdate("LF-21", 2, 6, { wmsId: "w-fail" }), wmsUpdate("LF-22", 3, 7, { wmsId: "w-fail" })];
    await sync(svc, "fail-1", updates);
    await waitFor("3 feed rows delivered", allDelivered(db, "w-fail", 3));

    const rows = await feedRows(db, "w-fail");
    const ids = rows.map((r) => r.id);
    const requests = legacy.requests.slice(before);
    assert.deepEqual(requests.map((r) => [r.answer, r.updates.map((u) => u.feedId)]), [
      [{ status: 503 }, ids],
      ["drop", []], // cut before its body was read
      ["accept-then-drop", ids],
      [{ status: 200 }, ids],
    ], "three attempts, a wait, then the same rows again");
    for (const request of requests.filter((r) => r.answer !== "drop")) {
      assert.deepEqual(request.updates.map((u) => u.payload), updates, "every attempt resends the rows unchanged");
    }
    assert.ok(rows.every((r) => r.attempts === 4 && /after 3 attempts/.test(r.last_error ?? "")), "attempts and the last error stay on the rows");

    const failed = logLines.filter((l) => l.msg === "legacy feed delivery attempt failed" && l.feedIds === `${ids[0]}-${ids[2]}`);
    assert.deepEqual(failed.map((l) => [l.attempt, l.kind]), [[1, "server_error"], [2, "network"], [3, "network"]], "a log line per failed attempt");
    assert.ok(!JSON.stringify(logLines).includes(SECRET), "the auth header is never logged");
    const samples = await scrape(svc.baseUrl);
    assert.equal(valueOf(samples, 'invsync_legacy_forward_attempt_failures_total{kind="server_error"}'), 1);
    assert.equal(valueOf(samples, 'invsync_legacy_forward_attempt_failures_total{kind="network"}'), 2);
    assert.equal(valueOf(samples, 'invsync_legacy_forward_batches_total{outcome="failed"}'), 1);
  });

  it("holds a batch legacy refuses (4xx, not retried in a loop), shows it in metrics, logs and /readyz, and resumes once legacy accepts", async () => {
    legacy.steady = { status: 422 };
    const before = legacy.requests.length;
    const updates = [wmsUpdate("LF-30", 1, 1, { wmsId: "w-refused" }), wmsUpdate("LF-31", 2, 2, { wmsId: "w-refused" })];
    await sync(svc, "refused-1", updates);
    await waitFor("a refused batch", async () => valueOf(await scrape(svc.baseUrl), 'invsync_legacy_forward_batches_total{outcome="rejected"}') >= 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const refusals = legacy.requests.slice(before);
    assert.ok(refusals.length >= 2 && refusals.length <= 8, `tried again with a growing wait, not every 50 ms poll: ${refusals.length} requests in ~1.5 s`);
    const rows = await feedRows(db, "w-refused");
    assert.ok(refusals.every((r) => r.updates[0]?.feedId === rows[0]!.id), "always the held batch: nothing behind it overtakes");
    assert.ok(rows.every((r) => !r.delivered && /legacy endpoint answered 422: legacy says 422/.test(r.last_error ?? "")), "undelivered rows stay visible with the error");
    const ready = await getJson(`${svc.baseUrl}/readyz`);
    assert.equal(ready.status, 200, "a refusing legacy endpoint does not make the service unready");
    assert.deepEqual(ready.body.legacyFeed, { delivery: "http", lastError: "legacy endpoint answered 422: legacy says 422" });
    const samples = await scrape(svc.baseUrl);
    const refusedByNow = legacy.requests.length - before;
    assert.equal(valueOf(samples, "invsync_legacy_feed_backlog"), 2);
    assert.ok(valueOf(samples, "invsync_legacy_feed_oldest_age_seconds") >= 1);
    // A retry may land between reading the fake's record and the scrape, and the latest refusal may
    // not be counted yet (one request in flight at a time): a failure per refusal, within that.
    const rejected = valueOf(samples, 'invsync_legacy_forward_attempt_failures_total{kind="rejected"}');
    assert.ok(rejected >= refusals.length - 1 && rejected <= refusedByNow, `a failure counted per refusal: ${rejected} counted, ${refusals.length}–${refusedByNow} refused`);
    assert.ok(logLines.some((l) => l.msg === "legacy endpoint refused a feed batch; it is held and tried again later" && l.status === 422 && l.level === "warn"));

    legacy.steady = { status: 200 };
    await waitFor("the held rows delivered", allDelivered(db, "w-refused", 2));
    assert.deepEqual(ofSource(legacy.taken, "w-refused").map((u) => u.payload), updates);
    assert.deepEqual((await getJson(`${svc.baseUrl}/readyz`)).body.legacyFeed, { delivery: "http", lastError: null });
    assert.equal(valueOf(await scrape(svc.baseUrl), "invsync_legacy_feed_backlog"), 0);
  });
});

describe("contract: the legacy hand-off without LEGACY_FORWARD_URL (the table the nightly job reads)", function () {
  this.timeout(60_000);
  let svc: TestService;
  let db: pg.Client;

  before(async () => {
    svc = await startTestService("legacy_table", { FLAGS_BOOTSTRAP_FILE: "flags/all-legacy.json", LEGACY_FORWARD_POLL_MS: "50" });
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await svc?.stop();
  });

  it("sends nothing: rows wait in legacy_inventory_feed for the nightly job, which takes them in and reports its counts", async () => {
    const updates = [wmsUpdate("LT-1", 1, 4, { wmsId: "w-table" }), wmsUpdate("LT-2", 2, 9, { wmsId: "w-table" })];
    await sync(svc, "table-1", updates);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await feedRows(db, "w-table");
    assert.deepEqual(rows.map((r) => [r.payload, r.delivered, r.attempts]), updates.map((u) => [u, false, 0]));
    const ready = await getJson(`${svc.baseUrl}/readyz`);
    assert.deepEqual(ready.body.legacyFeed, { delivery: "table" });
    // The forwarder's series exist in this mode too (dashboards and alerts see the same ones), at 0;
    // `get`, not valueOf, so a missing series fails. The backlog gauge is only read from the feed
    // with a forwarder: here it stays 0 although two rows wait in the table.
    const samples = await scrape(svc.baseUrl);
    assert.equal(samples.get('invsync_legacy_forward_batches_total{outcome="delivered"}'), 0);
    assert.equal(samples.get("invsync_legacy_forwarded_updates_total"), 0);
    assert.equal(samples.get("invsync_legacy_feed_backlog"), 0, "no forwarder: the gauge does not count the rows the nightly job will take");

    const job = knex({ client: "pg", connection: svc.database.url, pool: { min: 0, max: 1 } });
    try {
      assert.equal(await runLegacyJob(job, "nightly-1"), BigInt(rows.at(-1)!.id), "the job took everything in");
    } finally {
      await job.destroy();
    }
    const { rows: counts } = await db.query(`SELECT sku, on_hand::int AS on_hand FROM legacy_inventory_counts WHERE sku LIKE 'LT-%' ORDER BY sku`);
    assert.deepEqual(counts, [{ sku: "LT-1", on_hand: 4 }, { sku: "LT-2", on_hand: 9 }]);
  });
});
