import assert from "node:assert/strict";
import pg from "pg";
import { runOperationsCommand } from "../src/adapters/cli/operations-cli.js";
import { FakeWmsSyncReceiver } from "./support/fake-wms-sync-receiver.js";
import { scrape, valueOf } from "./support/prometheus-text.js";
import { ensureBuilt, ServiceProcess } from "./support/service-process.js";
import { createTestDatabase, NATS_URL, testStream, type TestDatabase } from "./support/test-servers.js";
import { OPERATOR_TOKEN, VIEWER_TOKEN } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const KEY_ID = "wms-sync";
const SECRET = "sync-secret-0123456789abcdef";

/**
 * Reservation sync to an external fake WMS, with the service run exactly as `npm start` runs it:
 * every reservation, release, expiry and fulfilment reaches the WMS exactly once by message id
 * (the WMS dedupes re-sent ones), in order per reservation, signed, across a receiver outage and a
 * SIGKILL of the service in the middle of delivering; a message the WMS refuses (4xx) is parked
 * with its reason without holding up other reservations, and is sent after an operator's retry.
 */
describe("contract: reservation sync to the WMS (fake WMS receiver, SIGKILL, outage)", function () {
  this.timeout(120_000);
  let receiver: FakeWmsSyncReceiver;
  let database: TestDatabase;
  let db: pg.Client;
  let service: ServiceProcess | undefined;
  let baseUrl = "";
  const stream = testStream("res_sync");

  async function start(): Promise<void> {
    service = ServiceProcess.spawn({
      DATABASE_URL: database.url,
      NATS_URL,
      NATS_STREAM: stream.stream,
      NATS_SUBJECT_PREFIX: stream.subjectPrefix,
      HOST: "127.0.0.1",
      GATEWAY_PORT: "0",
      GRPC_PORT: "0",
      LOG_LEVEL: "info",
      WMS_SIGNATURE_REQUIRED: "false",
      FLAGS_BOOTSTRAP_FILE: "flags/all-new.json",
      OPERATOR_TOKENS: `test-operator:operator:${OPERATOR_TOKEN},test-viewer:viewer:${VIEWER_TOKEN}`,
      WMS_RESERVATION_SYNC_URL: receiver.url,
      WMS_RESERVATION_SYNC_SIGNING_KEY: `${KEY_ID}:${SECRET}`,
      WMS_RESERVATION_SYNC_POLL_MS: "50",
      WMS_RESERVATION_SYNC_MAX_ATTEMPTS: "2",
      WMS_RESERVATION_SYNC_TIMEOUT_MS: "2000",
    });
    const started = await service.waitForLog("inventory-sync started");
    baseUrl = `http://127.0.0.1:${started.gatewayPort}`;
  }

  const call = (method: string, request: object) => postJson(`${baseUrl}/invsync.inventory.v1.ReservationService/${method}`, request);
  const reserve = async (key: string, quantity = 1) => {
    const res = await call("ReserveStock", { sku: "SYNC-1", quantity, orderReference: `order-${key}`, idempotencyKey: key, ttl: "3600s" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.reservation.reservationId as string;
  };
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOperationsCommand(args, { serviceUrl: baseUrl, token: OPERATOR_TOKEN }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    assert.equal(code, 0, err.join("\n"));
    return JSON.parse(out.join("\n"));
  };
  const reservationEvents = async () =>
    (
      await db.query(
        `SELECT event_id::text AS id FROM inventory_events WHERE type IN ('StockReserved', 'ReservationReleased', 'ReservationExpired', 'ReservationFulfilled') ORDER BY event_id`,
      )
    ).rows.map((r) => r.id as string);

  before(async () => {
    ensureBuilt();
    receiver = await FakeWmsSyncReceiver.start(new Map([[KEY_ID, SECRET]]));
    database = await createTestDatabase("res_sync");
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    await start();
    const update = wmsUpdate("SYNC-1", 1, 1000, { wmsId: "wms-sync", observedAt: new Date(Date.now() - 1000).toISOString() });
    assert.equal((await postJson(`${baseUrl}/inventory/sync`, syncBatch("s-1", [update]))).body.accepted, 1);
  });
  after(async () => {
    await service?.stop("SIGKILL");
    await db?.end();
    await receiver?.close();
    await database?.drop();
    await stream.delete().catch(() => undefined);
  });

  it("delivers every change exactly once by id, in order per reservation, across an outage and a SIGKILL", async () => {
    receiver.down = true;
    const first: string[] = [];
    for (let i = 0; i < 30; i++) first.push(await reserve(`a-${i}`));
    await waitFor("a failed POST", async () => receiver.requests.length > 0);
    const during = await scrape(baseUrl);
    assert.ok(valueOf(during, "invsync_reservation_sync_backlog") >= 29, "the backlog is visible while the WMS is down");
    // The receiver counts a request before it answers 503, so the service may not have read the answer yet.
    let status: { enabled?: boolean; lastFailure?: string } = {};
    await waitFor("the 503 in sync status", async () => /503/.test((status = await cli("sync", "status")).lastFailure ?? ""), 10_000);
    assert.equal(status.enabled, true);

    receiver.down = false;
    await waitFor("some messages applied", async () => receiver.applied.length >= 5, 20_000);
    await service!.stop("SIGKILL");
    const appliedAtKill = receiver.applied.length;
    await start();

    for (const id of first.slice(0, 10)) assert.equal((await call("ReleaseReservation", { reservationId: id })).status, 200);
    for (const id of first.slice(10, 20)) assert.equal((await call("FulfilReservation", { reservationId: id, shipmentReference: `ship-${id}` })).status, 200);
    for (let i = 0; i < 10; i++) await reserve(`b-${i}`);

    const expected = await reservationEvents();
    assert.equal(expected.length, 60);
    await waitFor("every change applied", async () => receiver.applied.length >= expected.length, 60_000);
    await waitFor("every message marked delivered", async () => (await cli("sync", "status")).pending === undefined);
    assert.deepEqual(receiver.applied.map((c) => c.messageId).sort(), expected, "each change applied once, none missing");
    assert.ok(appliedAtKill < 60);
    for (const id of first.slice(0, 10)) assert.deepEqual(receiver.changesOf(id), ["reserved", "released"]);
    for (const id of first.slice(10, 20)) assert.deepEqual(receiver.changesOf(id), ["reserved", "fulfilled"]);
    assert.equal(receiver.badSignatures, 0, "every POST was signed with the configured key");
    const fulfilled = receiver.applied.find((c) => c.type === "fulfilled")!;
    assert.deepEqual(Object.keys(fulfilled.body).sort(), [
      "expiresAt", "locationId", "messageId", "occurredAt", "orderReference", "quantity", "reservationId", "shipmentReference", "sku", "type", "version",
    ]);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM reservation_sync_outbox WHERE status = 'delivered' AND acknowledgement LIKE '{"accepted":%'`);
    assert.equal(rows[0].n, 60, "the WMS's acknowledgement is recorded on every message");
  });

  it("parks a message the WMS refuses with its reason, holds only that reservation's later messages, and sends them after a retry", async () => {
    receiver.down = false; // whatever the test before left, this one starts with the WMS up
    receiver.refuse = (body) => body.orderReference === "order-refused";
    const refused = await reserve("refused");
    await call("ReleaseReservation", { reservationId: refused });
    const other = await reserve("after-refused");
    await waitFor("the other reservation delivered", async () => receiver.changesOf(other).length === 1, 20_000);
    const parked = await cli("sync", "list", "--status", "parked");
    assert.equal(parked.messages.length, 1);
    assert.equal(parked.messages[0].reservationId, refused);
    assert.match(parked.messages[0].parkedReason, /422.*unknown order order-refused/);
    assert.deepEqual(receiver.changesOf(refused), [], "nothing of the refused reservation was applied");
    const pending = await cli("sync", "list", "--status", "pending");
    assert.deepEqual(pending.messages.map((m: { type: string }) => m.type), ["released"], "its release waits behind it");
    assert.equal(valueOf(await scrape(baseUrl), "invsync_reservation_sync_parked"), 1);

    receiver.refuse = () => false;
    const retried = await cli("sync", "retry", "--reason", "order created in the WMS");
    assert.deepEqual(retried.messageIds, [parked.messages[0].messageId]);
    await waitFor("the refused reservation delivered after the retry", async () => receiver.changesOf(refused).length === 2, 20_000);
    assert.deepEqual(receiver.changesOf(refused), ["reserved", "released"]);
    const audit = await db.query(`SELECT actor, reason FROM audit_log WHERE action = 'reservation_sync_retried'`);
    assert.deepEqual(audit.rows, [{ actor: "test-operator", reason: "order created in the WMS" }]);
  });
});
