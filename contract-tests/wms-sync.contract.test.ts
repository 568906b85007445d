import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import assert from "node:assert/strict";
import { WmsSyncService } from "../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { grpcClients, unary } from "./support/grpc-clients.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { getJson, postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const SYNC_PATH = "/invsync.wms.v1.WmsSyncService/SyncInventory";

describe("contract: WMS sync (REST alias, Connect JSON, Connect binary, gRPC)", function () {
  let svc: TestService;

  before(async () => {
    svc = await startTestService("wms_sync", { MAX_BATCH_UPDATES: "50", MAX_REQUEST_BYTES: "65536" });
  });
  after(async () => svc?.stop());

  const onHand = async (sku: string) => (await getJson(`${svc.baseUrl}/inventory/${sku}`)).body.stock.onHand;

  it("POST /inventory/sync takes the SyncInventory JSON and answers every count, zeros included", async () => {
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("rest-1", [wmsUpdate("REST-1", 1, 10), wmsUpdate("REST-2", 2, 3)]));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { batchId: "rest-1", accepted: 2, duplicate: 0, stale: 0, rejected: 0, rejections: [] });
    assert.equal(await onHand("REST-1"), "10");
  });

  it("Connect JSON on the RPC path gives the same answer", async () => {
    const res = await postJson(`${svc.baseUrl}${SYNC_PATH}`, syncBatch("cj-1", [wmsUpdate("CJ-1", 1, 4, { wmsId: "wms-cj" })]));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { batchId: "cj-1", accepted: 1, duplicate: 0, stale: 0, rejected: 0, rejections: [] });
  });

  it("Connect binary (protobuf) over HTTP/1.1 and HTTP/2 works with a generated client", async () => {
    for (const httpVersion of ["1.1", "2"] as const) {
      const client = createClient(WmsSyncService, createConnectTransport({ baseUrl: svc.baseUrl, httpVersion, useBinaryFormat: true }));
      const response = await client.syncInventory({
        batchId: `bin-${httpVersion}`,
        updates: [
          {
            wmsId: `wms-bin-${httpVersion.replace(".", "")}`,
            sequence: 1n,
            sku: `BIN-${httpVersion.replace(".", "")}`,
            quantity: 6,
            status: "RECEIVED",
            observedAt: { seconds: BigInt(Math.floor(Date.now() / 1000) - 5), nanos: 0 },
          },
        ],
      });
      assert.equal(response.accepted, 1, `HTTP/${httpVersion}`);
    }
  });

  it("the internal gRPC port serves the same handler", async () => {
    const clients = grpcClients(svc.grpcAddress);
    try {
      const response = await unary(clients.wms, "syncInventory", {
        batchId: "grpc-1",
        updates: [{ wmsId: "wms-grpc", sequence: 1, sku: "GRPC-1", quantity: 9, status: "COUNTED", observedAt: { seconds: Math.floor(Date.now() / 1000) - 5 } }],
      });
      assert.equal(response.accepted, 1);
      assert.equal(await onHand("GRPC-1"), "9");
    } finally {
      clients.close();
    }
  });

  it("sending the same batch twice moves stock once", async () => {
    const batch = syncBatch("twice", [wmsUpdate("TWICE-1", 1, 10, { wmsId: "wms-twice" }), wmsUpdate("TWICE-1", 2, 8, { wmsId: "wms-twice" })]);
    const first = await postJson(`${svc.baseUrl}/inventory/sync`, batch);
    const second = await postJson(`${svc.baseUrl}/inventory/sync`, batch);
    assert.deepEqual([first.body.accepted, first.body.duplicate], [2, 0]);
    assert.deepEqual([second.body.accepted, second.body.duplicate], [0, 2]);
    assert.equal(await onHand("TWICE-1"), "8");
  });

  it("a batch with bad lines applies the good ones and names each bad one by index, field and reason", async () => {
    const res = await postJson(
      `${svc.baseUrl}/inventory/sync`,
      syncBatch("mixed", [
        wmsUpdate("MIX-1", 1, 5, { wmsId: "wms-mix" }),
        wmsUpdate("", 2, 5, { wmsId: "wms-mix" }),
        wmsUpdate("MIX-3", 3, -1, { wmsId: "wms-mix" }),
        wmsUpdate("MIX-4", 4, 2.5, { wmsId: "wms-mix" }),
        wmsUpdate("MIX-5", 5, 1, { wmsId: "wms-mix", status: "TELEPORTED" }),
        wmsUpdate("MIX-6", 0, 1, { wmsId: "wms-mix" }),
        wmsUpdate("MIX-7", 7, 1, { wmsId: "wms-mix", observedAt: new Date(Date.now() + 86_400_000).toISOString() }),
        wmsUpdate("MIX-8", 8, 1, { wmsId: "wms-mix" }),
      ]),
    );
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.accepted, res.body.rejected], [2, 6]);
    assert.deepEqual(
      res.body.rejections.map((r: { index: number; field: string; code: string }) => [r.index, r.field, r.code]),
      [
        [1, "sku", "SKU_MISSING"],
        [2, "quantity", "QUANTITY_NEGATIVE"],
        [3, "quantity", "QUANTITY_NOT_INTEGER"],
        [4, "status", "STATUS_UNKNOWN"],
        [5, "sequence", "SEQUENCE_MISSING"],
        [6, "observed_at", "OBSERVED_AT_IN_FUTURE"],
      ],
    );
    for (const r of res.body.rejections) assert.ok(r.reason.length > 5, `reason for ${r.field}: ${r.reason}`);
    assert.equal(await onHand("MIX-8"), "1");
  });

  it("an unknown field fails the whole request with InvalidArgument naming it, and stores nothing", async () => {
    for (const path of ["/inventory/sync", SYNC_PATH]) {
      const res = await postJson(`${svc.baseUrl}${path}`, { batchId: "unknown", updates: [{ ...wmsUpdate("UNK-1", 1, 1), qty_oh: 3 }] });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.code, "invalid_argument");
      assert.match(res.body.message, /qty_oh/);
    }
    assert.equal((await getJson(`${svc.baseUrl}/inventory/UNK-1`)).status, 404);
  });

  it("a batch without batch_id is refused with a field violation", async () => {
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, { updates: [wmsUpdate("NOID-1", 1, 1)] });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.detail, { code: "WMS.INVALID_BATCH", fieldViolations: [{ field: "batch_id", reason: "is required" }] });
  });

  it("a batch above the batch limit is refused as a whole, saying how to fix it", async () => {
    const updates = Array.from({ length: 51 }, (_, i) => wmsUpdate(`BIG-${i}`, i + 1, 1, { wmsId: "wms-big" }));
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("big", updates));
    assert.equal(res.status, 400);
    assert.equal(res.body.detail.code, "WMS.BATCH_TOO_LARGE");
    assert.match(res.body.detail.fieldViolations[0].reason, /at most 50 updates per batch, got 51/);
  });

  it("a body over the size limit gets 413 on the REST alias and ResourceExhausted on Connect", async () => {
    const huge = syncBatch("huge", [wmsUpdate("HUGE-1", 1, 1, { sku: "H".repeat(70_000) })]);
    const rest = await postJson(`${svc.baseUrl}/inventory/sync`, huge);
    assert.equal(rest.status, 413);
    assert.equal(rest.body.code, "resource_exhausted");
    const connect = await postJson(`${svc.baseUrl}${SYNC_PATH}`, huge);
    assert.equal(connect.body.code, "resource_exhausted");
  });

  it("malformed JSON and a wrong content type get 400 with a reason", async () => {
    const truncated = await postJson(`${svc.baseUrl}/inventory/sync`, '{"batchId": "x", "updates": [');
    assert.equal(truncated.status, 400);
    assert.match(truncated.body.message, /not a valid invsync.wms.v1.SyncInventoryRequest/);
    const response = await fetch(`${svc.baseUrl}/inventory/sync`, { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b" });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /content-type must be application\/json/);
  });
});
