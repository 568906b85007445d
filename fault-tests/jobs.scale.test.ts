import assert from "node:assert/strict";
import { FakeLegacy } from "../contract-tests/support/fake-legacy.js";
import { FakeWms } from "../contract-tests/support/fake-wms.js";
import { FlagFiles } from "../contract-tests/support/flag-files.js";
import { connectJson } from "../contract-tests/support/reservation-calls.js";
import { postSigned } from "../contract-tests/support/signed-requests.js";
import { createTestDatabase, NATS_URL, testStream, type TestDatabase, type TestStream } from "../contract-tests/support/test-servers.js";
import { waitFor } from "../contract-tests/support/wait-for.js";
import { wmsUpdate, type WmsUpdateJson } from "../contract-tests/support/wms-fixtures.js";
import { FaultService } from "./support/fault-service.js";

const REPLICAS = 3;
const RESERVATION_SKUS = ["JOB-RES-1", "JOB-RES-2", "JOB-RES-3"];
const RESERVATIONS_PER_REPLICA = 10;

/**
 * The background jobs that must run once, with three replicas on one database: each replica is
 * configured with its own path on the fake receivers (`/r1/…`, `/r2/…`, `/r3/…`), so a receiver
 * sees which replica asked, and a job that ran on two replicas shows as two senders or two requests.
 */
describe("scale: background jobs run once with three replicas (legacy forwarder, sweeper, WMS pull and gap healing, daily reconciliation)", function () {
  this.timeout(240_000);
  let database: TestDatabase;
  let stream: TestStream;
  let legacy: FakeLegacy;
  let wms: FakeWms;
  const flags = new FlagFiles();
  const replicas: FaultService[] = [];
  const sequences = new Map<string, number>();

  before(async () => {
    [database, legacy, wms] = await Promise.all([createTestDatabase("jobs"), FakeLegacy.start(), FakeWms.start()]);
    stream = testStream("jobs");
    wms.addReceipts("wms-pull", "JOB-PULL-1", 1, 5);
    const flagFile = flags.write({ newSkus: [...RESERVATION_SKUS, "JOB-PULL-1", "JOB-GAP-1", "JOB-GAP-2", "JOB-REC-1"], shadowSkus: ["JOB-SH-1", "JOB-SH-2"] });
    const legacyOrigin = new URL(legacy.url).origin;
    const wmsOrigin = new URL(wms.url).origin;
    // One at a time: the first migrates the database, the others find it migrated.
    for (let i = 1; i <= REPLICAS; i++) {
      replicas.push(
        await FaultService.start({
          databaseUrl: database.url,
          natsUrl: NATS_URL,
          stream: stream.stream,
          subjectPrefix: stream.subjectPrefix,
          env: {
            REPLICA_ID: `replica-${i}`,
            DATABASE_POOL_MAX: "4",
            FLAGS_BOOTSTRAP_FILE: flagFile,
            LEGACY_FORWARD_URL: `${legacyOrigin}/r${i}/feed`,
            LEGACY_FORWARD_POLL_MS: "100",
            LEGACY_FORWARD_BATCH_SIZE: "5",
            WMS_PULL_URL: `${wmsOrigin}/r${i}/feed`,
            WMS_PULL_WMS_IDS: "wms-pull",
            WMS_PULL_INTERVAL_MS: "200",
            WMS_GAP_CHECK_INTERVAL_MS: "200",
            RESERVATION_SWEEP_INTERVAL_MS: "50",
            WMS_SNAPSHOT_URL: wms.snapshotUrl,
            WMS_SNAPSHOT_WMS_ID: "wms-rec",
            RECONCILE_DAILY_AT: "00:00", // due at once: every replica's first tick tries today's run
            RECONCILE_CHECK_INTERVAL_SECONDS: "1",
          },
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all([legacy?.close(), wms?.close()]);
    await database?.drop();
    await stream?.delete();
    flags.remove();
  });

  const query = <T>(sql: string, values: unknown[] = []) => database.query<T>(sql, values);
  /** Sends `updates` (sequences numbered here, contiguous per source) to `replica`, signed. */
  async function push(replica: FaultService, wmsId: string, updates: ReadonlyArray<[sku: string, quantity: number]>, observedAgoMs = 1000): Promise<void> {
    const batch = updates.map(([sku, quantity]) => {
      const sequence = (sequences.get(wmsId) ?? 0) + 1;
      sequences.set(wmsId, sequence);
      return wmsUpdate(sku, sequence, quantity, { wmsId, observedAt: new Date(Date.now() - observedAgoMs).toISOString() });
    });
    await pushBatch(replica, `${wmsId}-${sequences.get(wmsId)}`, batch);
  }
  async function pushBatch(replica: FaultService, batchId: string, updates: WmsUpdateJson[]): Promise<void> {
    const res = await postSigned(`${replica.baseUrl}/inventory/sync`, { batchId, updates });
    assert.deepEqual([res.status, res.body.accepted], [200, updates.length], JSON.stringify(res.body));
  }
  /** Replicas whose log says they took the advisory lock of a job ("this process now …"). */
  const holdersOf = (does: string) => replicas.map((replica, i) => (replica.lines.some((line) => line.msg === `this process now ${does}`) ? i + 1 : 0)).filter(Boolean);
  const onHand = async (sku: string) => (await query<{ on_hand: string }>(`SELECT on_hand::text FROM inventory WHERE sku = $1`, [sku]))[0]?.on_hand;

  it("forwards each legacy and shadow update once from one replica, expires each reservation once, heals a gap with one pull, and runs the day's reconciliation once", async () => {
    // Legacy forwarder: legacy and shadow updates through all three replicas.
    for (let round = 0; round < 4; round++) {
      for (const replica of replicas) {
        await push(replica, "wms-legacy", [[`JOB-LG-${round}`, round + 1], ["JOB-SH-1", round + 10], [`JOB-LG-X${round}`, 3], ["JOB-SH-2", round]]);
      }
    }
    const forwarded = 4 * REPLICAS * 4;

    // Reservation sweeper: stock, then reservations of one second on every replica.
    await push(replicas[0]!, "wms-res", RESERVATION_SKUS.map((sku) => [sku, 100]));
    const made: string[] = [];
    await Promise.all(
      replicas.map(async (replica, r) => {
        for (let n = 0; n < RESERVATIONS_PER_REPLICA; n++) {
          const answer = await connectJson(replica.baseUrl, "ReserveStock", {
            sku: RESERVATION_SKUS[n % RESERVATION_SKUS.length],
            quantity: "1",
            orderReference: `job-order-${r}-${n}`,
            idempotencyKey: `job-res-${r}-${n}`,
            ttl: "1s",
          });
          assert.ok(answer.ok, JSON.stringify(answer));
          made.push((answer.body as { reservation: { reservationId: string } }).reservation.reservationId);
        }
      }),
    );

    // Gap healing: sequences 4–6 of wms-gap never pushed; the fake WMS has them (receipts of 1 each, newer than the counts).
    wms.addReceipts("wms-gap", "JOB-GAP-1", 4, 6);
    await pushBatch(replicas[1]!, "gap-push", [
      ...[1, 2, 3].map((seq) => wmsUpdate("JOB-GAP-1", seq, 10, { wmsId: "wms-gap", observedAt: new Date(Date.now() - 120_000 + seq).toISOString() })),
      wmsUpdate("JOB-GAP-2", 7, 4, { wmsId: "wms-gap", observedAt: new Date(Date.now() - 120_000 + 7).toISOString() }),
    ]);

    // Daily reconciliation: the snapshot says 50 of a record counted at 10 (a discrepancy beyond tolerance).
    // Until the record is counted the snapshot is empty, and a tick claims nothing.
    await push(replicas[2]!, "wms-rec", [["JOB-REC-1", 10]]);
    wms.snapshot = { takenAt: new Date(Date.now() - 500).toISOString(), counts: [{ sku: "JOB-REC-1", quantity: "50" }] };

    // --- legacy forwarder
    await waitFor(`${forwarded} feed rows delivered`, async () => {
      const [row] = await query<{ n: number; delivered: number }>(`SELECT count(*)::int AS n, count(delivered_at)::int AS delivered FROM legacy_inventory_feed`);
      return row!.n === forwarded && row!.delivered === forwarded;
    }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a second forwarder would have sent its copies by now
    const feedIds = (await query<{ id: string }>(`SELECT id::text AS id FROM legacy_inventory_feed ORDER BY id`)).map((row) => row.id);
    const taken = legacy.taken.map((update) => update.feedId);
    assert.deepEqual([...taken].sort(), [...feedIds].sort(), "every feed row reached legacy exactly once (by feed id), none missing");
    const senders = new Set(legacy.requests.map((request) => request.path));
    assert.equal(senders.size, 1, `one replica forwards; legacy was sent to by ${[...senders].join(", ")}`);
    const forwarder = holdersOf("forwards the legacy feed");
    assert.equal(forwarder.length, 1, `one replica took the forwarder's lock: replicas ${forwarder.join(", ")}`);
    assert.deepEqual([...senders], [`/r${forwarder[0]}/feed`], "the lock holder is the sender");

    // --- reservation sweeper
    await waitFor("every reservation expired", async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM reservations WHERE status = 'active'`))[0]!.n === 0, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // sweeps of the other replicas in flight
    const expiries = await query<{ id: string; n: number }>(
      `SELECT cause->>'reservationId' AS id, count(*)::int AS n FROM inventory_events WHERE type = 'ReservationExpired' GROUP BY 1`,
    );
    assert.deepEqual(new Map(expiries.map((row) => [row.id, row.n])), new Map(made.map((id) => [id, 1])), "one ReservationExpired per reservation");
    const statuses = await query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM reservations GROUP BY status`);
    assert.deepEqual(statuses, [{ status: "expired", n: REPLICAS * RESERVATIONS_PER_REPLICA }]);
    const stock = await query<{ sku: string; on_hand: string; reserved: string }>(`SELECT sku, on_hand::text, reserved::text FROM inventory WHERE sku = ANY($1) ORDER BY sku`, [RESERVATION_SKUS]);
    assert.deepEqual(stock.map((row) => [row.sku, row.on_hand, row.reserved]), RESERVATION_SKUS.map((sku) => [sku, "100", "0"]), "reserved back to 0, on_hand untouched");
    const verified = await connectJson(replicas[0]!.baseUrl, "VerifyReservedCounters", {});
    assert.ok(verified.ok && verified.body.driftedRecords === "0", JSON.stringify(verified));

    // --- scheduled pull and gap healing
    await waitFor("the gap healed", async () => (await onHand("JOB-GAP-1")) === "13");
    await waitFor("the scheduled pull applied", async () => (await onHand("JOB-PULL-1")) === "5");
    await new Promise((resolve) => setTimeout(resolve, 600)); // three more gap checks and pulls of every replica
    const feedRequests = wms.requests.filter((url) => url.pathname !== "/snapshot");
    const pullSenders = new Set(feedRequests.map((url) => url.pathname));
    assert.equal(pullSenders.size, 1, `one replica asks the WMS (scheduled pulls and gaps); asked by ${[...pullSenders].join(", ")}`);
    const gapRequests = feedRequests.filter((url) => url.searchParams.get("wms_id") === "wms-gap");
    assert.deepEqual(
      gapRequests.map((url) => [url.searchParams.get("after_sequence"), url.searchParams.get("to_sequence")]),
      [["3", "6"]],
      "the missing range asked for once",
    );
    const gapRows = await query<{ s: number; status: string }>(`SELECT sequence::int AS s, status FROM wms_updates WHERE wms_id = 'wms-gap' ORDER BY sequence`);
    assert.deepEqual(gapRows.map((row) => row.s), [1, 2, 3, 4, 5, 6, 7], "every sequence once");
    const received = await query<{ n: number }>(`SELECT count(*)::int AS n FROM inventory_events WHERE sku = 'JOB-GAP-1' AND type = 'StockMoved'`);
    assert.equal(received[0]!.n, 3, "each healed receipt applied once");
    const puller = holdersOf("pulls from the WMS and heals sequence gaps");
    assert.equal(puller.length, 1, `one replica took the pull's lock: replicas ${puller.join(", ")}`);
    assert.deepEqual([...pullSenders], [`/r${puller[0]}/feed`], "the lock holder is the one that asks");

    // --- daily reconciliation
    const today = new Date().toISOString().slice(0, 10);
    await waitFor("today's reconciliation completed", async () =>
      (await query<{ n: number }>(`SELECT count(*)::int AS n FROM reconciliation_runs WHERE scheduled_for = $1::date AND status = 'completed'`, [today]))[0]!.n === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a tick of every replica after the run
    const runs = await query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM reconciliation_runs WHERE scheduled_for IS NOT NULL GROUP BY status`);
    assert.deepEqual(runs, [{ status: "completed", n: 1 }], "one scheduled run for the day, whoever ran it");
    const discrepancies = await query<{ n: number }>(`SELECT count(*)::int AS n FROM discrepancies WHERE sku = 'JOB-REC-1'`);
    assert.equal(discrepancies[0]!.n, 1, "the record compared once");
    const ranBy = replicas.map((replica, i) => (replica.lines.some((line) => line.msg === "daily reconciliation finished") ? i + 1 : 0)).filter(Boolean);
    assert.equal(ranBy.length, 1, `one replica ran the day: replicas ${ranBy.join(", ")}`);

    for (const replica of replicas) assert.deepEqual(replica.crashes, [], "a replica exited by itself");
  });
});
