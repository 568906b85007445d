import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeErrorDetail, errorDetailFromGrpc, unary } from "./support/grpc-clients.js";
import { startConsoleService } from "./support/console-stack.js";
import { OPERATOR_TOKEN, VIEWER_TOKEN, type TestService } from "./support/test-service.js";
import { postJson } from "./support/wms-fixtures.js";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const DESCRIBE = "/invsync.console.v1.ConsoleService/DescribeStock";

describe("contract: the operator console at /console and ConsoleService", function () {
  this.timeout(60_000);
  let svc: TestService;

  before(async () => {
    svc = await startConsoleService("console-service");
  });
  after(async () => {
    await svc?.stop();
  });

  it("serves the console page, script and styles on the gateway port, with a same-origin content security policy", async () => {
    for (const path of ["/console", "/console/"]) {
      const page = await fetch(`${svc.baseUrl}${path}`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
      assert.match(page.headers.get("content-security-policy")!, /default-src 'self'.*connect-src 'self'/);
      const html = await page.text();
      assert.match(html, /<script type="module" src="\/console\/app.js"><\/script>/);
      assert.doesNotMatch(html, /https?:\/\//, "nothing from another origin (no CDN)");
    }
    const script = await fetch(`${svc.baseUrl}/console/app.js`);
    assert.deepEqual([script.status, script.headers.get("content-type")], [200, "text/javascript; charset=utf-8"]);
    const bundled = await script.text();
    assert.ok(bundled.includes("/readyz") && bundled.includes("invsync.console.token"), "the bundled console (app.js), not something else");
    assert.equal((await fetch(`${svc.baseUrl}/console/styles.css`)).headers.get("content-type"), "text/css; charset=utf-8");
    const head = await fetch(`${svc.baseUrl}/console`, { method: "HEAD" });
    assert.deepEqual([head.status, await head.text()], [200, ""]);
    const escaping = await fetch(`${svc.baseUrl}/console/..%2F..%2Fpackage.json`);
    assert.equal(escaping.status, 404, "only the console's own files are served");
    const unknown = await fetch(`${svc.baseUrl}/console/secrets.json`);
    assert.deepEqual([unknown.status, ((await unknown.json()) as { code: string }).code], [404, "not_found"]);
    const post = await fetch(`${svc.baseUrl}/console`, { method: "POST" });
    assert.deepEqual([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
  });

  it("DescribeStock answers a SKU's records (stock, path and why), its events and its received updates, newest first, to a viewer", async () => {
    const { status, body } = await postJson(`${svc.baseUrl}${DESCRIBE}`, { sku: "C-1" }, bearer(VIEWER_TOKEN));
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.records.map((r: any) => [r.locationId, r.hasStock, r.onHand, r.reserved, r.available, r.version, r.lastWmsId, r.lastSequence, r.path]),
      [["DC-1", true, "10", "0", "10", "1", "wms-c", "1", "new"]],
    );
    assert.equal(typeof JSON.parse(body.records[0].why), "object", "why is the routing decision as JSON");
    assert.deepEqual(body.events.map((e: any) => [e.type, e.locationId, e.onHandBefore ?? "0", e.onHandAfter, e.version]), [["StockCounted", "DC-1", "0", "10", "1"]]);
    assert.equal(JSON.parse(body.events[0].cause).batchId, "seed-1");
    assert.deepEqual(
      body.updates.map((u: any) => [u.batchId, u.sequence, u.status, u.rejectReason ?? ""]),
      [
        ["seed-2", "6", "rejected", "must be 0 or more, got -4"],
        ["seed-1", "1", "applied", ""],
      ],
    );
    const other = await postJson(`${svc.baseUrl}${DESCRIBE}`, { sku: "C-1", locationId: "DC-2" }, bearer(VIEWER_TOKEN));
    assert.deepEqual([other.body.records ?? [], other.body.events ?? [], other.body.updates ?? []], [[], [], []], "another location has nothing");
    const limited = await postJson(`${svc.baseUrl}${DESCRIBE}`, { sku: "C-1", limit: 1 }, bearer(OPERATOR_TOKEN));
    assert.deepEqual(limited.body.updates.map((u: any) => u.batchId), ["seed-2"]);
  });

  it("DescribeStock refuses a bad SKU, location or limit field by field, and a caller without a credential", async () => {
    const bad = await postJson(`${svc.baseUrl}${DESCRIBE}`, { sku: "no spaces", locationId: "a/b", limit: 201 }, bearer(VIEWER_TOKEN));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "invalid_argument");
    const detail = decodeErrorDetail(Buffer.from(bad.body.details[0].value, "base64"));
    assert.deepEqual(
      [detail.code, detail.fieldViolations.map((v) => v.field)],
      ["CONSOLE.INVALID_REQUEST", ["sku", "location_id", "limit"]],
    );
    assert.match(detail.fieldViolations[2]!.reason, /must be 1 to 200 \(0 means 50\), got 201/);
    const none = await postJson(`${svc.baseUrl}${DESCRIBE}`, { sku: "C-1" });
    assert.equal(none.status, 401);
  });

  it("is served on the internal gRPC port too, with the same credential", async () => {
    const protoRoot = join(dirname(fileURLToPath(import.meta.url)), "../proto");
    const definition = protoLoader.loadSync("invsync/console/v1/console_service.proto", { keepCase: false, longs: String, enums: String, defaults: true, includeDirs: [protoRoot] });
    const Service = (grpc.loadPackageDefinition(definition) as any).invsync.console.v1.ConsoleService as grpc.ServiceClientConstructor;
    const client = new Service(svc.grpcAddress, grpc.credentials.createInsecure());
    try {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${VIEWER_TOKEN}`);
      const answer = await unary(client, "describeStock", { sku: "C-3" }, metadata);
      assert.deepEqual(answer.records.map((r: any) => [r.locationId, r.onHand]), [["DC-2", "10"]]);
      const refused = await unary(client, "describeStock", { sku: "" }, metadata).then(() => undefined, (error: grpc.ServiceError) => error);
      assert.equal(refused?.code, grpc.status.INVALID_ARGUMENT);
      assert.deepEqual(errorDetailFromGrpc(refused!)?.fieldViolations, [{ field: "sku", reason: "must not be empty" }]);
      const anonymous = await unary(client, "describeStock", { sku: "C-3" }).then(() => undefined, (error: grpc.ServiceError) => error);
      assert.equal(anonymous?.code, grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });
});
