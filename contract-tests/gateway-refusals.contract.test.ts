import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import http2 from "node:http2";
import pg from "pg";
import { grpcClients, unary } from "./support/grpc-clients.js";
import { onHand } from "./support/operator-calls.js";
import { scrape, valueOf } from "./support/prometheus-text.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const SYNC_PATH = "/invsync.wms.v1.WmsSyncService/SyncInventory";

/** POSTs raw bytes and returns the status, headers and JSON body. */
async function post(url: string, body: Buffer | string, type: string): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, { method: "POST", headers: type ? { "content-type": type } : {}, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe("contract: the gateway refuses malformed and excessive calls with a reason", function () {
  let svc: TestService;

  before(async () => {
    svc = await startTestService("gateway_refusals", { MAX_REQUEST_BYTES: "65536", WMS_MAX_CONCURRENT_BATCHES: "1", WMS_MAX_QUEUED_BATCHES: "0" });
  });
  after(async () => svc?.stop());

  it("a Connect binary body that does not decode is InvalidArgument (400) with the decoder's reason", async () => {
    for (const path of [SYNC_PATH, "/invsync.inventory.v1.ReservationService/ReserveStock"]) {
      const res = await post(`${svc.baseUrl}${path}`, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), "application/proto");
      assert.equal(res.status, 400, path);
      assert.equal(res.body.code, "invalid_argument");
      assert.match(res.body.message, /is not a valid invsync\.[a-z.0-9]+\.\w+Request in protobuf binary: /);
    }
  });

  it("a content type no protocol takes is 415 naming what works; a wrong method is 405 naming the allowed ones", async () => {
    const json = JSON.stringify(syncBatch("ct", [wmsUpdate("CT-1", 1, 1)]));
    for (const type of ["text/plain", "application/json+weird", ""]) {
      const res = await post(`${svc.baseUrl}${SYNC_PATH}`, json, type);
      assert.equal(res.status, 415, type);
      assert.match(res.body.message, /send application\/json or application\/proto/);
    }
    const put = await fetch(`${svc.baseUrl}${SYNC_PATH}`, { method: "PUT", body: json });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "POST");
    assert.match(((await put.json()) as { message: string }).message, /is called with POST, not PUT/);
    const rest = await post(`${svc.baseUrl}/inventory/sync`, json, "application/json+weird");
    assert.equal(rest.status, 400, "the REST alias takes application/json only");
  });

  it("a Connect GET whose query does not decode, and a REST path with broken percent-encoding, are 400 with the reason", async () => {
    const get = await fetch(`${svc.baseUrl}/invsync.inventory.v1.InventoryService/GetInventory?encoding=proto&base64=1&message=%%%`);
    assert.equal(get.status, 400);
    assert.match(((await get.json()) as { message: string }).message, /not valid percent-encoding/);
    const json = await fetch(`${svc.baseUrl}/invsync.inventory.v1.InventoryService/GetInventory?encoding=json&message=${encodeURIComponent("{nope")}`);
    assert.equal(json.status, 400);
    assert.match(((await json.json()) as { message: string }).message, /not a valid invsync\.inventory\.v1\.GetInventoryRequest in json/);
    const rest = await fetch(`${svc.baseUrl}/inventory/%E0%A4%A`);
    assert.equal(rest.status, 400);
    assert.match(((await rest.json()) as { message: string }).message, /not valid percent-encoding/);
  });

  it("a streamed body over the limit gets 413, and the same HTTP/1.1 connection serves the next call", async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 4; i++) yield Buffer.alloc(32 * 1024, 0x5b);
    }
    for (const path of ["/inventory/sync", SYNC_PATH, "/invsync.inventory.v1.ReservationService/ReserveStock"]) {
      const res = await fetch(`${svc.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: chunks(), duplex: "half" } as RequestInit);
      assert.equal(res.status, 413, path);
      assert.match(((await res.json()) as { message: string }).message, /request body exceeds 65536 bytes/);
      const next = await fetch(`${svc.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
      assert.equal(next.status, 200, `the connection still serves after ${path}`);
    }
  });

  it("gRPC: a message that does not decode is INVALID_ARGUMENT with the reason, not INTERNAL", async () => {
    const session = http2.connect(`http://${svc.grpcAddress}`);
    try {
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": SYNC_PATH, "content-type": "application/grpc", te: "trailers" });
        let headers: http2.IncomingHttpHeaders = {};
        stream.on("response", (h) => (headers = h));
        stream.on("trailers", resolve);
        stream.on("error", reject);
        stream.on("close", () => resolve(headers));
        stream.resume();
        stream.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0xff, 0xff]));
      });
      assert.equal(Number(trailers["grpc-status"]), grpc.status.INVALID_ARGUMENT);
      assert.match(decodeURIComponent(String(trailers["grpc-message"])), /is not a valid invsync\.wms\.v1\.SyncInventoryRequest in protobuf binary/);
    } finally {
      session.close();
    }
  });

  it("with no queue (WMS_MAX_QUEUED_BATCHES=0), WMS writes beyond WMS_MAX_CONCURRENT_BATCHES are refused at once: 429 with Retry-After, gRPC RESOURCE_EXHAUSTED", async () => {
    const batch = (id: string, offset: number) => syncBatch(id, Array.from({ length: 200 }, (_, i) => wmsUpdate(`BURST-${i}`, offset + i, i)));
    const answers = await Promise.all(Array.from({ length: 6 }, (_, n) => post(`${svc.baseUrl}${SYNC_PATH}`, JSON.stringify(batch(`burst-${n}`, 1 + n * 200)), "application/json")));
    const refused = answers.filter((a) => a.status === 429);
    assert.ok(refused.length > 0, `some of 6 concurrent batches are refused with one slot: ${answers.map((a) => a.status).join(",")}`);
    assert.ok(answers.every((a) => a.status === 200 || a.status === 429));
    for (const answer of refused) {
      assert.equal(answer.body.code, "resource_exhausted");
      assert.equal(answer.body.detail.code, "WMS.OVERLOADED");
      assert.equal(answer.headers.get("retry-after"), "1");
      assert.match(answer.body.message, /nothing was stored, retry after 1 s/);
    }
    const clients = grpcClients(svc.grpcAddress);
    try {
      const observedAt = { seconds: String(Math.floor(Date.now() / 1000) - 1), nanos: 0 };
      const grpcBatch = (n: number) => ({ ...batch(`grpc-burst-${n}`, 10_001 + n * 200), updates: batch("", 10_001 + n * 200).updates.map((u) => ({ ...u, observedAt })) });
      const calls = await Promise.allSettled(Array.from({ length: 6 }, (_, n) => unary(clients.wms, "syncInventory", grpcBatch(n))));
      const codes = calls.map((c) => (c.status === "fulfilled" ? grpc.status.OK : (c.reason as grpc.ServiceError).code));
      assert.ok(codes.includes(grpc.status.RESOURCE_EXHAUSTED), `gRPC codes: ${codes.join(",")}`);
      assert.ok(codes.every((code) => code === grpc.status.OK || code === grpc.status.RESOURCE_EXHAUSTED));
    } finally {
      clients.close();
    }
  });
});

describe("contract: a WMS write waits in the queue while the slot is taken, one beyond the queue is refused", function () {
  this.timeout(60_000);
  let svc: TestService;
  let db: pg.Client;

  before(async () => {
    svc = await startTestService("gateway_queue", { WMS_MAX_CONCURRENT_BATCHES: "1", WMS_MAX_QUEUED_BATCHES: "1", WMS_MAX_QUEUE_WAIT_MS: "30000" });
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await svc?.stop();
  });

  it("with one slot and a queue of 1: the next batch waits and is then applied, one more is refused at once with 429", async () => {
    const sync = (id: string, sku: string, sequence: number, quantity: number) =>
      post(`${svc.baseUrl}${SYNC_PATH}`, JSON.stringify(syncBatch(id, [wmsUpdate(sku, sequence, quantity, { wmsId: "wms-q" })])), "application/json");
    assert.equal((await sync("seed", "Q-1", 1, 1)).status, 200);
    const gauge = async (name: string) => valueOf(await scrape(svc.baseUrl), name);

    // The test holds Q-1's row lock, so a batch writing Q-1 keeps the only slot until it lets go:
    // no timing decides which batch is where; the service's own gauges say so.
    await db.query("BEGIN");
    let holding = true;
    try {
      await db.query("SELECT 1 FROM inventory WHERE sku = 'Q-1' FOR UPDATE");
      const inSlot = sync("in-slot", "Q-1", 2, 2);
      await waitFor("the first batch in the slot", async () => (await gauge("invsync_wms_writes_in_flight")) === 1);
      const queued = sync("queued", "Q-2", 3, 3);
      await waitFor("the second batch in the queue", async () => (await gauge("invsync_wms_writes_queued")) === 1);

      const refused = await sync("refused", "Q-3", 4, 4);
      assert.deepEqual([refused.status, refused.body.detail.code, refused.headers.get("retry-after")], [429, "WMS.OVERLOADED", "1"], "beyond the queue: refused at once");
      assert.equal(await gauge("invsync_wms_writes_queued"), 1, "the queued batch still waits");

      await db.query("COMMIT");
      holding = false;
      const answers = await Promise.all([inSlot, queued]);
      assert.deepEqual(answers.map((a) => [a.status, a.body.accepted]), [[200, 1], [200, 1]], "the batch in the slot, then the queued one, applied");
    } finally {
      if (holding) await db.query("ROLLBACK");
    }
    assert.deepEqual([await onHand(svc, "Q-1"), await onHand(svc, "Q-2"), await onHand(svc, "Q-3")], ["2", "3", undefined], "nothing of the refused batch is stored");
    assert.deepEqual([await gauge("invsync_wms_writes_in_flight"), await gauge("invsync_wms_writes_queued")], [0, 0]);
  });
});
