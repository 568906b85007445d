import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { TracingConfig } from "../../config/observability-config.js";

/** What a span's work may add once it knows more (a batch's outcome, for example). */
export interface SpanNotes {
  /** Adds attributes to the span. */
  set(attributes: Attributes): void;
}

/** Where a span's parent comes from. */
export interface SpanOptions {
  /** `server` for an incoming call, `producer` for a published message; `internal` by default. */
  readonly kind?: "server" | "producer" | "internal";
  /** W3C trace context to continue (`traceparent`, `tracestate`); absent: the active span is the parent. */
  readonly carrier?: Readonly<Record<string, string | undefined>>;
}

/**
 * Spans around the service's work, or nothing at all when tracing is off: {@link Tracing.off}
 * runs the work directly, so the hot path pays one function call per batch.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Runs `work` in a span named `name`; the span ends (with an error status if it threw) when the work settles. */
  inSpan<T>(name: string, attributes: Attributes, work: (notes: SpanNotes) => Promise<T>, options?: SpanOptions): Promise<T>;
  /** The same for synchronous work. */
  inSpanSync<T>(name: string, attributes: Attributes, work: () => T): T;
  /** The active span's W3C trace context (`traceparent`, maybe `tracestate`), or undefined outside a span. */
  activeCarrier(): Record<string, string> | undefined;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

const NO_NOTES: SpanNotes = { set: () => undefined };
const propagator = new W3CTraceContextPropagator();
const carrierGetter = {
  keys: (carrier: Readonly<Record<string, string | undefined>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, string | undefined>>, key: string) => carrier[key],
};
let contextManagerRegistered = false;

/** Tracing switched off: no spans, no context propagation. */
export const tracingOff: Tracing = {
  enabled: false,
  inSpan: (_name, _attributes, work) => work(NO_NOTES),
  inSpanSync: (_name, _attributes, work) => work(),
  activeCarrier: () => undefined,
  shutdown: async () => undefined,
};

/**
 * Starts tracing as configured: an OpenTelemetry tracer provider of the service's own (not the
 * global one, so several services in one test process stay apart) exporting over OTLP/HTTP in
 * batches, plus `exporter` if given (tests pass an in-memory one). Off returns {@link tracingOff}.
 */
export function startTracing(config: TracingConfig, exporter?: SpanExporter): Tracing {
  if (!config.enabled) return tracingOff;
  if (!contextManagerRegistered) {
    // Context (the active span) must follow async work; registered once per process, never undone.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerRegistered = true;
  }
  const processors: SpanProcessor[] = [];
  if (config.exporterUrl) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: config.exporterUrl })));
  if (exporter) processors.push(new SimpleSpanProcessor(exporter));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer("inventory-sync");

  const parentOf = (options?: SpanOptions): Context =>
    options?.carrier ? propagator.extract(ROOT_CONTEXT, options.carrier, carrierGetter) : context.active();
  const end = (span: Span, error?: unknown): void => {
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    span.end();
  };
  return {
    enabled: true,
    inSpan(name, attributes, work, options) {
      const parent = parentOf(options);
      const span = tracer.startSpan(name, { kind: spanKind(options?.kind), attributes }, parent);
      return context.with(trace.setSpan(parent, span), async () => {
        try {
          const result = await work({ set: (more) => span.setAttributes(more) });
          end(span);
          return result;
        } catch (error) {
          end(span, error);
          throw error;
        }
      });
    },
    inSpanSync(name, attributes, work) {
      const span = tracer.startSpan(name, { attributes });
      return context.with(trace.setSpan(context.active(), span), () => {
        try {
          const result = work();
          end(span);
          return result;
        } catch (error) {
          end(span, error);
          throw error;
        }
      });
    },
    activeCarrier() {
      const carrier: Record<string, string> = {};
      propagator.inject(context.active(), carrier, { set: (c, key, value) => void (c[key] = value) });
      return carrier.traceparent ? carrier : undefined;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The trace id of the active span, for log lines; undefined outside a span (always, when tracing is off). */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

function spanKind(kind: SpanOptions["kind"]): SpanKind {
  if (kind === "server") return SpanKind.SERVER;
  if (kind === "producer") return SpanKind.PRODUCER;
  return SpanKind.INTERNAL;
}
