import assert from "node:assert/strict";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { inRequestScope } from "./log-context.js";
import { createLogger } from "./pino-logger.js";
import { startTracing } from "./tracing.js";

/** A logger writing into `lines` (one parsed JSON object per line). */
function capturingLogger(lines: Array<Record<string, unknown>>) {
  return createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line)) });
}

describe("pino logger", () => {
  it("never writes credentials, WMS signatures or signing keys, wherever they sit", () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = capturingLogger(lines);
    logger.warn(
      {
        authorization: "Bearer top",
        "x-invsync-signature": "k=k1,t=1,v1=abc",
        req: { headers: { authorization: "Bearer nested", "x-invsync-signature": "k=k1,t=1,v1=def", "content-type": "application/json" } },
        config: { signingKeys: { k1: "a-secret-of-16-chars" }, unleash: { token: "default:development.x" }, pull: { authHeader: "Authorization: Bearer y" } },
        signature: "k=k1,t=1,v1=ghi",
      },
      "request refused",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ["Bearer", "v1=", "a-secret-of-16-chars", "development.x"]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal((lines[0]!.req as { headers: Record<string, string> }).headers["content-type"], "application/json", "other fields stay");
  });

  it("adds the request id and RPC of the request being served, and nothing outside a request", () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = capturingLogger(lines);
    logger.info({}, "outside");
    inRequestScope({ requestId: "req-1", rpc: "invsync.wms.v1.WmsSyncService/SyncInventory" }, () => logger.child({ component: "x" }).info({ size: 3 }, "inside"));
    assert.equal(lines[0]!.requestId, undefined);
    assert.equal(lines[1]!.requestId, "req-1");
    assert.equal(lines[1]!.rpc, "invsync.wms.v1.WmsSyncService/SyncInventory");
    assert.equal(lines[1]!.size, 3);
  });

  it("adds the trace id of the active span", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = capturingLogger(lines);
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ enabled: true, exporterUrl: undefined, serviceName: "test", sampleRatio: 1 }, exporter);
    await tracing.inSpan("work", {}, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info({}, "in a span");
    });
    const [span] = exporter.getFinishedSpans();
    await tracing.shutdown();
    assert.match(String(lines[0]!.traceId), /^[0-9a-f]{32}$/);
    assert.equal(lines[0]!.traceId, span!.spanContext().traceId);
  });
});
