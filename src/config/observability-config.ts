import type { EnvReader } from "./env-reader.js";

/** Traces, off by default (see the README's observability section). */
export interface TracingConfig {
  /** True when spans are recorded and exported; false costs nothing on the hot path. */
  readonly enabled: boolean;
  /** OTLP/HTTP traces endpoint (`…/v1/traces`); undefined with tracing on exports nowhere (tests use an in-memory exporter). */
  readonly exporterUrl: string | undefined;
  /** `service.name` of the spans. */
  readonly serviceName: string;
  /** Share of new traces recorded, 0–1; a caller's sampled `traceparent` is always followed. */
  readonly sampleRatio: number;
}

/** Metrics and traces settings. */
export interface ObservabilityConfig {
  readonly tracing: TracingConfig;
  /** Distinct `wms_id` label values kept in metrics; later sources are counted as `other`. */
  readonly metricsMaxWmsIds: number;
}

/**
 * Reads `TRACING_ENABLED` (default: on when an OTLP endpoint is set), `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (the collector's base URL, `/v1/traces` is appended) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the
 * full URL), `OTEL_SERVICE_NAME`, `TRACING_SAMPLE_PERCENT` and `METRICS_MAX_WMS_IDS`.
 */
export function readObservability(read: EnvReader): ObservabilityConfig {
  const protocols = ["http:", "https:"];
  const tracesUrl = read.optionalUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", protocols);
  const baseUrl = read.optionalUrl("OTEL_EXPORTER_OTLP_ENDPOINT", protocols);
  const exporterUrl = tracesUrl ?? (baseUrl ? `${baseUrl.replace(/\/+$/, "")}/v1/traces` : undefined);
  return {
    tracing: {
      enabled: read.boolean("TRACING_ENABLED", exporterUrl !== undefined),
      exporterUrl,
      serviceName: read.pattern("OTEL_SERVICE_NAME", "inventory-sync", /^[\w.-]{1,100}$/, "letters, digits, '_', '.' or '-'"),
      sampleRatio: read.integer("TRACING_SAMPLE_PERCENT", 100, 0, 100) / 100,
    },
    metricsMaxWmsIds: read.integer("METRICS_MAX_WMS_IDS", 20, 1, 1000),
  };
}
