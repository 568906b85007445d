import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createLogger } from "../src/adapters/observability/pino-logger.js";
import { readEvents } from "./support/event-reader.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

/** The span id of a W3C `traceparent`. */
function spanIdOf(traceparent: string): string {
  return traceparent.split("-")[2]!;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe("contract: one trace per WMS batch, from the request to the published message", function () {
  this.timeout(60_000);
  const exporter = new InMemorySpanExporter();
  const logLines: Array<Record<string, unknown>> = [];
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(JSON.parse(line)) });
  let svc: TestService;

  before(async () => {
    svc = await startTestService("tracing", { TRACING_ENABLED: "true", LOG_LEVEL: "debug" }, { spanExporter: exporter, logger });
  });
  after(async () => {
    await svc?.stop();
  });

  it("continues the caller's traceparent through the request, ACL, transaction and each publish, and puts it in the NATS headers", async () => {
    const response = await fetch(`${svc.baseUrl}/inventory/sync`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      body: JSON.stringify(syncBatch("traced-1", [wmsUpdate("TRACE-A", 1, 5), wmsUpdate("TRACE-B", 2, 7), wmsUpdate("TRACE-A", 3, 4)])),
    });
    assert.equal(response.status, 200);
    const events = await readEvents(svc.config.natsUrl, svc.config.natsStream, 3);
    assert.equal(events.length, 3);

    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === CALLER_TRACE);
    const byName = (name: string) => spans.filter((span) => span.name === name);
    const [server] = byName("invsync.wms.v1.WmsSyncService/SyncInventory");
    const [acl] = byName("wms.v1 acl");
    const [batch] = byName("apply wms batch");
    assert.ok(server && acl && batch, `spans of the trace: ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(parentOf(server), CALLER_SPAN);
    assert.equal(server.attributes["rpc.system"], "rest");
    assert.equal(server.attributes["invsync.request_id"], response.headers.get("x-request-id"));
    assert.equal(parentOf(acl), server.spanContext().spanId);
    assert.equal(parentOf(batch), server.spanContext().spanId);
    assert.equal(batch.attributes["invsync.batch_id"], "traced-1");
    assert.deepEqual(batch.attributes["invsync.wms_ids"], ["wms-a"]);
    assert.equal(batch.attributes["invsync.sku_count"], 2);
    assert.equal(batch.attributes["invsync.accepted"], 3);

    const publishes = byName("publish StockCounted");
    assert.equal(publishes.length, 3);
    for (const publish of publishes) {
      assert.equal(publish.kind, SpanKind.PRODUCER);
      assert.equal(parentOf(publish), batch.spanContext().spanId, "the relay continues the batch's trace");
    }
    for (const { headers, event } of events) {
      const traceparent = headers.traceparent ?? "";
      assert.match(traceparent, new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-01$`), "a consumer can continue the trace");
      const publish = publishes.find((span) => span.spanContext().spanId === spanIdOf(traceparent));
      assert.ok(publish, "the header names the publish span");
      assert.equal(publish.attributes["invsync.sku"], event.sku);
      assert.equal(publish.attributes["messaging.message.id"], event.eventId);
    }
  });

  it("logs one line per batch, per rejected update and (at debug) per stock change, each with the request id and trace id, never the signature", async () => {
    logLines.length = 0;
    const response = await fetch(`${svc.baseUrl}/inventory/sync`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-logs-1", "x-invsync-signature": "k=k1,t=1,v1=deadbeef" },
      body: JSON.stringify(syncBatch("logged-1", [wmsUpdate("LOG-A", 101, 5), wmsUpdate("LOG-B", 102, 1.5)])),
    });
    assert.equal(response.status, 200);
    const applied = logLines.find((line) => line.msg === "wms batch applied");
    const rejected = logLines.find((line) => line.msg === "wms update rejected");
    const changed = logLines.find((line) => line.msg === "stock changed");
    assert.ok(applied && rejected && changed, JSON.stringify(logLines));
    assert.deepEqual(
      { wmsIds: applied.wmsIds, size: applied.size, accepted: applied.accepted, rejected: applied.rejected, batchId: applied.batchId },
      { wmsIds: ["wms-a"], size: 2, accepted: 1, rejected: 1, batchId: "logged-1" },
    );
    assert.deepEqual(
      { wmsId: rejected.wmsId, sequence: rejected.sequence, sku: rejected.sku, quantity: rejected.quantity, code: rejected.code },
      { wmsId: "wms-a", sequence: "102", sku: "LOG-B", quantity: 1.5, code: "QUANTITY_NOT_INTEGER" },
    );
    assert.deepEqual(
      { sku: changed.sku, delta: changed.delta, onHand: changed.onHand, wmsId: changed.wmsId, sequence: changed.sequence, batchId: changed.batchId },
      { sku: "LOG-A", delta: 5, onHand: [0, 5], wmsId: "wms-a", sequence: "101", batchId: "logged-1" },
    );
    const traceId = exporter.getFinishedSpans().find((span) => span.attributes["invsync.request_id"] === "req-logs-1")?.spanContext().traceId;
    assert.match(traceId ?? "", /^[0-9a-f]{32}$/);
    for (const line of [applied, rejected, changed]) {
      assert.equal(line.requestId, "req-logs-1");
      assert.equal(line.traceId, traceId);
    }
    assert.ok(!JSON.stringify(logLines).includes("deadbeef"));
  });

  it("starts a trace of its own for a batch without traceparent (Connect v2), and records failures on the span", async () => {
    exporter.reset();
    const response = await fetch(`${svc.baseUrl}/invsync.wms.v2.WmsSyncService/SyncStock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ batchRef: "", records: [] }),
    });
    assert.equal(response.status, 400);
    const [server] = exporter.getFinishedSpans().filter((span) => span.name === "invsync.wms.v2.WmsSyncService/SyncStock");
    assert.ok(server);
    assert.equal(parentOf(server), undefined, "a root span");
    assert.equal(server.status.code, 2, "status ERROR");
    assert.equal(server.attributes["rpc.system"], "connect");
  });
});

describe("contract: spans leave over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT", function () {
  this.timeout(60_000);

  it("exports the batch's spans to the collector, at the latest when the service stops", async () => {
    const received: Array<{ path: string; body: string }> = [];
    const collector = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        received.push({ path: req.url ?? "", body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const svc = await startTestService("otlp", { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: "invsync-otlp-test" });
      try {
        const response = await fetch(`${svc.baseUrl}/inventory/sync`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(syncBatch("otlp-1", [wmsUpdate("OTLP-A", 1, 1)])),
        });
        assert.equal(response.status, 200);
      } finally {
        await svc.stop();
      }
      const exported = received.filter((r) => r.path === "/v1/traces").map((r) => r.body).join("\n");
      assert.match(exported, /invsync-otlp-test/);
      assert.match(exported, /apply wms batch/);
      assert.match(exported, /invsync\.wms\.v1\.WmsSyncService\/SyncInventory/);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
