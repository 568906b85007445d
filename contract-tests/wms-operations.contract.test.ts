import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeWms } from "./support/fake-wms.js";
import { invsync, onHand, sql } from "./support/operator-calls.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

describe("contract: WMS outages — pull, gaps, file drop, pause, backfill and replay", function () {
  this.timeout(60_000);
  let svc: TestService;
  let wms: FakeWms;
  const dropDir = mkdtempSync(join(tmpdir(), "invsync-drop-"));

  before(async () => {
    wms = await FakeWms.start();
    wms.addReceipts("wms-pull", "PULL-1", 1, 7);
    wms.failNext = 1;
    svc = await startTestService("wms_operations", {
      WMS_PULL_URL: wms.url,
      WMS_PULL_WMS_IDS: "wms-pull",
      WMS_PULL_PAGE_SIZE: "3",
      WMS_PULL_INTERVAL_MS: "200",
      WMS_PULL_MAX_ATTEMPTS: "2",
      WMS_PULL_AUTH_HEADER: "Authorization: Bearer pull-token",
      WMS_GAP_CHECK_INTERVAL_MS: "300",
      WMS_DROP_DIR: dropDir,
      WMS_DROP_POLL_MS: "100",
    });
  });
  after(async () => {
    await svc?.stop();
    await wms?.close();
    rmSync(dropDir, { recursive: true, force: true });
  });

  /**
   * Stores a v1 count of `quantity` as an earlier mapper left it: rejected, though the current mapper
   * accepts its payload; received at `receivedAt` (now by default).
   */
  async function plantRejectedCount(wmsId: string, sku: string, seq: number, quantity: number, receivedAt = new Date()): Promise<void> {
    const payload = { wmsId, sequence: String(seq), sku, quantity, status: "COUNTED", observedAt: new Date(Date.now() - 9000 + seq).toISOString() };
    await sql(
      svc,
      `INSERT INTO wms_updates (batch_id, batch_index, schema_version, wms_id, sequence, sku, status, reject_field, reject_code, reject_reason, payload, received_at)
       VALUES ('old-mapper', $1, 'wms.v1', $2, $3, $4, 'rejected', 'status', 'STATUS_UNKNOWN', 'unknown to the old mapper', $5::jsonb, $6)`,
      [seq, wmsId, seq, sku, JSON.stringify(payload), receivedAt.toISOString()],
    );
  }

  it("pulls new updates page by page past a WMS error, with the auth header, and keeps a durable cursor", async () => {
    await waitFor("PULL-1 at 7", async () => (await onHand(svc, "PULL-1")) === "7");
    wms.addReceipts("wms-pull", "PULL-1", 8, 9);
    await waitFor("PULL-1 at 9", async () => (await onHand(svc, "PULL-1")) === "9");
    assert.equal(wms.authorization, "Bearer pull-token");
    assert.ok(wms.requests.some((url) => url.searchParams.get("after_sequence") === "3" && url.searchParams.get("limit") === "3"), "paged by WMS_PULL_PAGE_SIZE");
    const status = await invsync(svc, "ingestion", "status");
    assert.equal(status.code, 0);
    assert.deepEqual(status.out.cursors.map((c: { wmsId: string; lastSequence: string }) => [c.wmsId, c.lastSequence]), [["wms-pull", "9"]]);
  });

  it("finds a gap while the WMS is down (API and metric) and heals it by pulling exactly that range once the WMS is back", async () => {
    wms.down = true;
    wms.addReceipts("wms-gap", "GAP-1", 1, 8);
    const pushed = [1, 2, 3, 7, 8].map((seq) => ({ wmsId: "wms-gap", sequence: String(seq), sku: "GAP-1", quantity: seq, status: "COUNTED", observedAt: new Date(Date.now() - 60_000 + seq).toISOString() }));
    assert.equal((await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("gap-push", pushed))).body.accepted, 5);
    const gaps = await invsync(svc, "gaps", "--wms-id", "wms-gap");
    assert.deepEqual(gaps.out.gaps, [{ wmsId: "wms-gap", firstMissing: "4", lastMissing: "6" }]);
    await waitFor("the gap metric", async () => (await (await fetch(`${svc.baseUrl}/metrics`)).text()).includes('invsync_wms_missing_sequences{wms_id="wms-gap"} 3'));

    wms.down = false;
    await waitFor("the gap healed", async () => (await invsync(svc, "gaps", "--wms-id", "wms-gap")).out.gaps.length === 0);
    const rows = await sql(svc, `SELECT sequence::int AS s, status FROM wms_updates WHERE wms_id = 'wms-gap' ORDER BY sequence`);
    assert.deepEqual(rows.map((r) => r.s), [1, 2, 3, 4, 5, 6, 7, 8], "every sequence once");
    assert.ok(wms.requests.some((u) => u.searchParams.get("wms_id") === "wms-gap" && u.searchParams.get("after_sequence") === "3" && u.searchParams.get("to_sequence") === "6"));
    assert.equal(await onHand(svc, "GAP-1"), "8", "the late receipts are older than count 8 and change nothing");
  });

  it("while paused, every replica answers WMS pushes 503 with Retry-After and stores nothing; resume applies again", async () => {
    const paused = await invsync(svc, "ingestion", "pause", "--reason", "WMS cut-over");
    assert.deepEqual([paused.code, paused.out.state.paused, paused.out.state.reason], [0, true, "WMS cut-over"]);
    const before = (await sql(svc, `SELECT count(*)::int AS n FROM wms_updates`))[0].n;
    const response = await fetch(`${svc.baseUrl}/inventory/sync`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(syncBatch("p-1", [wmsUpdate("PAUSE-1", 1, 1, { wmsId: "wms-p" })])) });
    const body = (await response.json()) as { code: string; detail: { code: string } };
    assert.deepEqual([response.status, response.headers.get("retry-after"), body.code, body.detail.code], [503, "30", "unavailable", "WMS.INGESTION_PAUSED"]);
    const v2 = await postJson(`${svc.baseUrl}/invsync.wms.v2.WmsSyncService/SyncStock`, { batchRef: "p-2", records: [] });
    assert.equal(v2.status, 503);
    assert.equal((await sql(svc, `SELECT count(*)::int AS n FROM wms_updates`))[0].n, before, "nothing stored while paused");
    const replayWhilePaused = await invsync(svc, "replay");
    assert.deepEqual([replayWhilePaused.code, /WMS.INGESTION_PAUSED/.test(replayWhilePaused.err)], [1, true]);

    assert.equal((await invsync(svc, "ingestion", "resume")).out.state.paused, false);
    const after = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("p-1", [wmsUpdate("PAUSE-1", 1, 1, { wmsId: "wms-p" })]));
    assert.equal(after.body.accepted, 1, "the WMS's retry after the resume applies");
  });

  it("backfills from a file in the drop folder and from a WMS range; a second backfill is all duplicates", async () => {
    mkdirSync(join(dropDir, "backfill"), { recursive: true });
    const line = (seqNo: number, delta: number) =>
      JSON.stringify({ sourceSystem: "wms-bf", seqNo: String(seqNo), itemCode: "BF-1", eventTime: new Date(Date.now() - 9000 + seqNo).toISOString(), movement: { movementType: "MOVEMENT_TYPE_RECEIPT", delta: String(delta) } });
    writeFileSync(join(dropDir, "backfill", "late.v2.jsonl"), `${line(1, 5)}\n${line(2, 6)}\nnot json\n`);
    const file = await invsync(svc, "backfill", "--file", "backfill/late.v2.jsonl");
    assert.deepEqual([file.code, file.out.outcome.accepted, file.out.outcome.rejected], [0, "2", "1"]);
    assert.equal(await onHand(svc, "BF-1"), "11");
    const outside = await invsync(svc, "backfill", "--file", "../../etc/passwd");
    assert.deepEqual([outside.code, /file_path/.test(outside.err)], [1, true]);

    wms.addReceipts("wms-range", "RANGE-1", 1, 6, 2);
    const range = await invsync(svc, "backfill", "--wms-id", "wms-range", "--from-sequence", "2", "--to-sequence", "4");
    assert.deepEqual([range.out.outcome.accepted, await onHand(svc, "RANGE-1")], ["3", "6"]);
    const again = await invsync(svc, "backfill", "--wms-id", "wms-range", "--from-sequence", "2", "--to-sequence", "4");
    assert.deepEqual([again.out.outcome.accepted, again.out.outcome.duplicate, await onHand(svc, "RANGE-1")], ["0", "3", "6"]);
  });

  it("backfills a time window from the WMS: asks for exactly that window, applies what it returns, and a second run is all duplicates", async () => {
    const hour = 3_600_000;
    const dayAgo = Date.now() - 24 * hour;
    wms.addReceipts("wms-time", "TIME-1", 1, 8, 2, (seqNo) => new Date(dayAgo + seqNo * hour));
    const [fromTime, toTime] = [new Date(dayAgo + 3 * hour).toISOString(), new Date(dayAgo + 7 * hour).toISOString()];
    const asked = wms.requests.length;
    const first = await invsync(svc, "backfill", "--wms-id", "wms-time", "--from-time", fromTime, "--to-time", toTime);
    assert.deepEqual([first.code, first.out.outcome.received, first.out.outcome.accepted], [0, "4", "4"], first.err);
    const requests = wms.requests.slice(asked).map((u) => Object.fromEntries(u.searchParams)).filter((q) => q.wms_id === "wms-time");
    assert.deepEqual(
      requests.map((q) => [q.wms_id, q.after_sequence, q.from_time, q.to_time, q.to_sequence]),
      [
        ["wms-time", "0", fromTime, toTime, undefined],
        ["wms-time", "5", fromTime, toTime, undefined],
      ],
      "exactly the window, page by page (page size 3)",
    );
    const rows = await sql(svc, `SELECT sequence::int AS s FROM wms_updates WHERE wms_id = 'wms-time' ORDER BY sequence`);
    assert.deepEqual(rows.map((r) => r.s), [3, 4, 5, 6], "from_time inclusive, to_time exclusive");
    assert.equal(await onHand(svc, "TIME-1"), "8");

    const again = await invsync(svc, "backfill", "--wms-id", "wms-time", "--from-time", fromTime, "--to-time", toTime);
    assert.deepEqual([again.out.outcome.accepted, again.out.outcome.duplicate, await onHand(svc, "TIME-1")], ["0", "4", "8"]);
  });

  it("replay after a mapper fix turns rejected inbox rows into applied updates exactly once", async () => {
    for (const [seq, quantity] of [[1, 4], [2, 9]] as const) await plantRejectedCount("wms-fix", "FIX-1", seq, quantity);
    const first = await invsync(svc, "replay", "--status", "rejected", "--sku", "FIX-1");
    assert.deepEqual([first.out.examined, first.out.outcome.accepted, first.out.stillRejected], ["2", "2", "0"]);
    assert.equal(await onHand(svc, "FIX-1"), "9");
    const second = await invsync(svc, "replay", "--status", "rejected", "--sku", "FIX-1");
    assert.deepEqual([second.out.examined, second.out.outcome.accepted], ["0", "0"]);
    const applied = await invsync(svc, "replay", "--status", "applied", "--sku", "FIX-1");
    assert.deepEqual([applied.out.outcome.accepted, applied.out.outcome.duplicate], ["0", "2"], "replaying applied rows is harmless");
    const events = await sql(svc, `SELECT count(*)::int AS n FROM inventory_events WHERE sku = 'FIX-1'`);
    assert.equal(events[0].n, 2, "one event per update, however often it is replayed");
  });

  it("replays the rejected rows received in a time window (from inclusive, to exclusive) and leaves those outside it; a second replay changes nothing", async () => {
    const hour = 3_600_000;
    const received = (hoursAgo: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - hoursAgo * hour);
    const [from, to] = [received(4), received(2)];
    for (const [seq, hoursAgo] of [[1, 5], [2, 4], [3, 3], [4, 2], [5, 1]] as const) await plantRejectedCount("wms-window", "WIN-1", seq, seq, received(hoursAgo));
    const window = ["replay", "--status", "rejected", "--wms-id", "wms-window", "--from", from.toISOString(), "--to", to.toISOString()];

    const first = await invsync(svc, ...window);
    assert.deepEqual([first.code, first.out.examined, first.out.outcome.accepted, first.out.stillRejected], [0, "2", "2", "0"], first.err);
    assert.equal(await onHand(svc, "WIN-1"), "3", "sequences 2 and 3 applied; 4 and 5, received later, were not");
    const old = await sql(svc, `SELECT sequence::int AS s, replayed_at IS NOT NULL AS replayed FROM wms_updates WHERE wms_id = 'wms-window' AND status = 'rejected' ORDER BY sequence`);
    assert.deepEqual(old.map((r) => [r.s, r.replayed]), [[1, false], [2, true], [3, true], [4, false], [5, false]]);

    const second = await invsync(svc, ...window);
    assert.deepEqual([second.out.examined, second.out.outcome.accepted], ["0", "0"]);
    const events = await sql(svc, `SELECT count(*)::int AS n FROM inventory_events WHERE sku = 'WIN-1'`);
    assert.deepEqual([events[0].n, await onHand(svc, "WIN-1")], [2, "3"], "one event per replayed update");
  });

  it("replays a movement refused below zero once the missing receipt has arrived", async () => {
    const at = (s: number) => new Date(Date.now() - 9000 + s).toISOString();
    const v2 = `${svc.baseUrl}/invsync.wms.v2.WmsSyncService/SyncStock`;
    const pick = await postJson(v2, { batchRef: "rep-1", records: [{ sourceSystem: "wms-rep", seqNo: "2", itemCode: "REP-1", eventTime: at(2), movement: { movementType: "MOVEMENT_TYPE_PICK", delta: "-3" } }] });
    assert.equal(pick.body.rejections[0].code, "MOVEMENT_BELOW_ZERO");
    await postJson(v2, { batchRef: "rep-2", records: [{ sourceSystem: "wms-rep", seqNo: "1", itemCode: "REP-1", eventTime: at(1), movement: { movementType: "MOVEMENT_TYPE_RECEIPT", delta: "5" } }] });
    const replay = await invsync(svc, "replay", "--wms-id", "wms-rep");
    assert.equal(replay.out.outcome.accepted, "1");
    assert.equal(await onHand(svc, "REP-1"), "2");
    assert.equal((await invsync(svc, "replay", "--wms-id", "wms-rep")).out.examined, "0");
  });
});
