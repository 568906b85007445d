import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

describe("observability configuration", () => {
  it("has tracing off and 20 wms_id label values by default", () => {
    const { tracing, metricsMaxWmsIds } = loadConfig({}).observability;
    assert.deepEqual(tracing, { enabled: false, exporterUrl: undefined, serviceName: "inventory-sync", sampleRatio: 1 });
    assert.equal(metricsMaxWmsIds, 20);
  });

  it("turns tracing on with an OTLP endpoint, appending /v1/traces to the base URL; the traces URL wins", () => {
    const base = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).observability.tracing;
    assert.deepEqual([base.enabled, base.exporterUrl], [true, "http://collector:4318/v1/traces"]);
    const full = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://b/traces" }).observability.tracing;
    assert.equal(full.exporterUrl, "https://b/traces");
    const off = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", TRACING_ENABLED: "false" }).observability.tracing;
    assert.equal(off.enabled, false);
  });

  it("reads the sample share and the label cap, and refuses bad values", () => {
    const config = loadConfig({ TRACING_ENABLED: "true", TRACING_SAMPLE_PERCENT: "25", METRICS_MAX_WMS_IDS: "5", OTEL_SERVICE_NAME: "invsync-eu" });
    assert.deepEqual([config.observability.tracing.sampleRatio, config.observability.metricsMaxWmsIds, config.observability.tracing.serviceName], [0.25, 5, "invsync-eu"]);
    assert.throws(
      () => loadConfig({ TRACING_SAMPLE_PERCENT: "150", METRICS_MAX_WMS_IDS: "0", OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://x" }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 3,
    );
  });
});
