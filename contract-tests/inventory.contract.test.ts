import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import http2 from "node:http2";
import { errorDetailFromGrpc, grpcClients, unary } from "./support/grpc-clients.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { getJson, postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

describe("contract: inventory reads (REST, Connect GET, gRPC) and health", function () {
  let svc: TestService;
  let clients: ReturnType<typeof grpcClients>;

  before(async () => {
    svc = await startTestService("inventory");
    clients = grpcClients(svc.grpcAddress);
    const res = await postJson(
      `${svc.baseUrl}/inventory/sync`,
      syncBatch("seed", [
        wmsUpdate("INV-1", 1, 10),
        wmsUpdate("INV-1", 2, 4, { locationId: "DC-2" }),
        ...["LIST-A", "LIST-B", "LIST-C", "LIST-D", "LIST-E"].map((sku, i) => wmsUpdate(sku, 10 + i, i)),
      ]),
    );
    assert.equal(res.body.accepted, 7);
  });
  after(async () => {
    clients?.close();
    await svc?.stop();
  });

  it("GET /inventory/{sku} returns totals and the per-location breakdown", async () => {
    const res = await getJson(`${svc.baseUrl}/inventory/INV-1`);
    assert.equal(res.status, 200);
    const { stock } = res.body;
    assert.deepEqual([stock.sku, stock.onHand, stock.reserved, stock.available], ["INV-1", "14", "0", "14"]);
    assert.deepEqual(
      stock.locations.map((l: { locationId: string; onHand: string; version: string }) => [l.locationId, l.onHand, l.version]),
      [["DC-2", "4", "1"], ["default", "10", "1"]],
    );
    assert.match(stock.updatedAt, /^\d{4}-\d\d-\d\dT/);
  });

  it("an unknown SKU is 404 with a stable code; a malformed one is 400 naming the field", async () => {
    const missing = await getJson(`${svc.baseUrl}/inventory/NEVER-SEEN`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.detail.code, "INVENTORY.NOT_FOUND");
    const malformed = await getJson(`${svc.baseUrl}/inventory/${encodeURIComponent("BAD SKU")}`);
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body.detail.fieldViolations.map((v: { field: string }) => v.field), ["sku"]);
  });

  it("GetInventory is also served as a cacheable Connect GET", async () => {
    const message = encodeURIComponent(JSON.stringify({ sku: "INV-1" }));
    const res = await getJson(`${svc.baseUrl}/invsync.inventory.v1.InventoryService/GetInventory?encoding=json&message=${message}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.stock.onHand, "14");
  });

  it("a @grpc/grpc-js client reads GetInventory on the gRPC port", async () => {
    const response = await unary(clients.inventory, "getInventory", { sku: "INV-1" });
    assert.equal(response.stock.onHand, "14");
    assert.equal(response.stock.locations.length, 2);
  });

  it("gRPC errors carry the status code and our ErrorDetail in grpc-status-details-bin", async () => {
    const error = (await unary(clients.inventory, "getInventory", { sku: "NEVER-SEEN" }).catch((e) => e)) as grpc.ServiceError;
    assert.equal(error.code, grpc.status.NOT_FOUND);
    assert.match(error.details, /no stock recorded for SKU "NEVER-SEEN"/);
    assert.deepEqual(errorDetailFromGrpc(error), { code: "INVENTORY.NOT_FOUND", fieldViolations: [] });
    const invalid = (await unary(clients.inventory, "listInventory", { pageSize: 5000 }).catch((e) => e)) as grpc.ServiceError;
    assert.equal(invalid.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(errorDetailFromGrpc(invalid)?.fieldViolations[0]?.field, "page_size");
  });

  it("ListInventory pages through SKUs with a token until the last page", async () => {
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await unary(clients.inventory, "listInventory", { pageSize: 2, pageToken, skuPrefix: "LIST-" });
      seen.push(...page.stock.map((s: { sku: string }) => s.sku));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    assert.deepEqual(seen, ["LIST-A", "LIST-B", "LIST-C", "LIST-D", "LIST-E"]);
  });

  it("serves the standard gRPC health service and server reflection", async () => {
    for (const service of ["", "invsync.inventory.v1.InventoryService", "invsync.wms.v1.WmsSyncService"]) {
      const health = await unary(clients.health, "check", { service });
      assert.equal(health.status, "SERVING", service || "(server)");
    }
    const services = await new Promise<string[]>((resolve, reject) => {
      const call = (clients.reflection as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<object, any> }).serverReflectionInfo();
      call.on("data", (response) => {
        resolve(response.listServicesResponse.service.map((s: { name: string }) => s.name));
        call.end();
      });
      call.on("error", reject);
      call.write({ listServices: "" });
    });
    assert.ok(services.includes("invsync.inventory.v1.InventoryService"));
    assert.ok(services.includes("invsync.wms.v1.WmsSyncService"));
  });

  it("/healthz and /readyz report the service and its dependencies", async () => {
    assert.deepEqual((await getJson(`${svc.baseUrl}/healthz`)).body, { status: "ok" });
    const ready = await getJson(`${svc.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.database.up, true);
    assert.equal(ready.body.nats.connected, true);
    assert.equal(typeof ready.body.outbox.backlog, "number");
  });

  it("/metrics speaks Prometheus text with the service's metrics", async () => {
    const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    assert.match(text, /invsync_wms_updates_total\{wms_id="[^"]+",schema_version="wms.v1",outcome="accepted"\} 7/);
    assert.match(text, /# TYPE invsync_outbox_backlog gauge/);
  });

  it("echoes a caller's x-request-id, and makes one up otherwise", async () => {
    const echoed = await fetch(`${svc.baseUrl}/inventory/INV-1`, { headers: { "x-request-id": "req-123" } });
    assert.equal(echoed.headers.get("x-request-id"), "req-123");
    const made = await fetch(`${svc.baseUrl}/inventory/INV-1`);
    assert.match(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("speaks HTTP/2 (prior knowledge) on the same cleartext gateway port", async () => {
    const session = http2.connect(svc.baseUrl);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const request = session.request({ ":path": "/inventory/INV-1" });
        let text = "";
        request.setEncoding("utf8");
        request.on("data", (chunk: string) => (text += chunk));
        request.on("end", () => resolve(text));
        request.on("error", reject);
      });
      assert.equal(JSON.parse(body).stock.onHand, "14");
    } finally {
      session.close();
    }
  });

  it("answers unknown paths with a JSON 404 that points at the README", async () => {
    const res = await getJson(`${svc.baseUrl}/nope`);
    assert.equal(res.status, 404);
    assert.match(res.body.message, /README/);
  });
});
