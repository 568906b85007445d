import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import type { BatchResult } from "../../wms-ingestion/application/wms-batch.js";

/**
 * The service's Prometheus metrics. Labels are bounded (outcome, schema version); never a SKU.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly updates = new Counter({
    name: "invsync_wms_updates_total",
    help: "WMS updates received, by outcome (accepted, duplicate, stale, rejected) and schema version.",
    labelNames: ["outcome", "schema_version"] as const,
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: "invsync_wms_batch_size",
    help: "Updates per WMS batch.",
    buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000],
    registers: [this.registry],
  });
  private readonly published = new Counter({
    name: "invsync_events_published_total",
    help: "Inventory events acknowledged by JetStream.",
    registers: [this.registry],
  });
  private readonly freshness = new Histogram({
    name: "invsync_freshness_lag_seconds",
    help: "From WMS observed_at to the event's JetStream acknowledgement.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });
  private readonly relayFailures = new Counter({
    name: "invsync_relay_failures_total",
    help: "Outbox relay rounds that failed (bus or database errors).",
    registers: [this.registry],
  });
  /** Events committed but not yet acknowledged by JetStream (set by the readiness probe). */
  readonly outboxBacklog = new Gauge({
    name: "invsync_outbox_backlog",
    help: "Events in the outbox not yet acknowledged by JetStream.",
    registers: [this.registry],
  });
  /** Age of the oldest unpublished event. */
  readonly outboxOldestAge = new Gauge({
    name: "invsync_outbox_oldest_age_seconds",
    help: "Age of the oldest event not yet acknowledged by JetStream; 0 when none.",
    registers: [this.registry],
  });
  /** 1 when the dependency is reachable. */
  readonly dependencyUp = new Gauge({
    name: "invsync_dependency_up",
    help: "1 when the dependency (database, nats) is reachable, else 0.",
    labelNames: ["dependency"] as const,
    registers: [this.registry],
  });

  /** Sequence gaps per WMS source (set by the gap monitor). */
  readonly sequenceGaps = new Gauge({
    name: "invsync_wms_sequence_gaps",
    help: "Ranges of sequence numbers that never arrived, per WMS source.",
    labelNames: ["wms_id"] as const,
    registers: [this.registry],
  });
  /** Missing sequence numbers per WMS source. */
  readonly missingSequences = new Gauge({
    name: "invsync_wms_missing_sequences",
    help: "Sequence numbers that never arrived, per WMS source.",
    labelNames: ["wms_id"] as const,
    registers: [this.registry],
  });
  /** WMS requests refused at the gate. */
  readonly wmsRequestsRefused = new Counter({
    name: "invsync_wms_requests_refused_total",
    help: "WMS requests refused before ingestion, by code (bad signature, replay, paused).",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "invsync_" });
  }

  /** Counts one applied batch. */
  batchApplied(schemaVersion: string, result: BatchResult): void {
    const labels = { schema_version: schemaVersion };
    this.updates.inc({ ...labels, outcome: "accepted" }, result.accepted);
    this.updates.inc({ ...labels, outcome: "duplicate" }, result.duplicate);
    this.updates.inc({ ...labels, outcome: "stale" }, result.stale);
    this.updates.inc({ ...labels, outcome: "rejected" }, result.rejected);
    this.batchSize.observe(result.accepted + result.duplicate + result.stale + result.rejected);
  }

  /** Counts events acknowledged at `at`, and their freshness lag. */
  eventsPublished(messages: readonly OutboxMessage[], at: Date): void {
    this.published.inc(messages.length);
    for (const { observedAt } of messages) {
      if (observedAt) this.freshness.observe(Math.max(0, (at.getTime() - observedAt.getTime()) / 1000));
    }
  }

  /** Counts a failed relay round. */
  relayFailed(): void {
    this.relayFailures.inc();
  }

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
