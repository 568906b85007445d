import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import type { OutboxBacklog } from "../../outbox/outbox-store.port.js";
import { BoundedLabel } from "./bounded-label.js";

/** Where the gauges read at scrape time come from. */
export interface ScrapeSources {
  /** The outbox's backlog (one indexed query). */
  readonly backlog: () => Promise<OutboxBacklog>;
  /** True when the database answers. */
  readonly databaseUp: () => Promise<boolean>;
  /** True when NATS is connected and the stream exists. */
  readonly natsUp: () => boolean;
}

/**
 * The service's Prometheus registry and its service-wide metrics: event publishing, the outbox,
 * dependencies, WMS gaps and refused requests. Labels are bounded (a capped `wms_id`, codes,
 * dependency names); never a SKU. The outbox and dependency gauges are read at each scrape.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** The capped `wms_id` label shared by every metric that has one. */
  readonly wmsIds: BoundedLabel;
  private sources: ScrapeSources | undefined;
  private scrapes = 0;
  /** One backlog query per scrape, shared by the two outbox gauges. */
  private readonly readBacklog = this.perScrape(() => (this.sources ? this.sources.backlog() : Promise.resolve(undefined)));
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
  private readonly publishErrors = new Counter({
    name: "invsync_relay_publish_errors_total",
    help: "Events the bus did not acknowledge (error, timeout, disconnect); they stay in the outbox and are retried.",
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
    help: "WMS requests refused before ingestion, by code (bad signature, replay, paused, overloaded).",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  /** Reads the WMS writes in progress and waiting at each scrape (`invsync_wms_writes_in_flight`, `_queued`). */
  watchWmsWrites(writes: { readonly inFlight: number; readonly queued: number }): void {
    new Gauge({
      name: "invsync_wms_writes_in_flight",
      help: "WMS batches being read, checked and applied now (at most WMS_MAX_CONCURRENT_BATCHES).",
      registers: [this.registry],
      collect() {
        this.set(writes.inFlight);
      },
    });
    new Gauge({
      name: "invsync_wms_writes_queued",
      help: "WMS batches waiting for a slot, bodies unread (beyond WMS_MAX_QUEUED_BATCHES they are refused with 429).",
      registers: [this.registry],
      collect() {
        this.set(writes.queued);
      },
    });
  }

  /** @param maxWmsIds distinct `wms_id` label values kept; later sources are counted as `other`. */
  constructor(maxWmsIds = 20) {
    this.wmsIds = new BoundedLabel(maxWmsIds);
    collectDefaultMetrics({ register: this.registry, prefix: "invsync_" });
    const metrics = this;
    new Gauge({
      name: "invsync_outbox_backlog",
      help: "Events in the outbox not yet acknowledged by JetStream (read at scrape time).",
      registers: [this.registry],
      async collect() {
        const backlog = await metrics.readBacklog();
        if (backlog) this.set(backlog.count);
      },
    });
    new Gauge({
      name: "invsync_outbox_oldest_age_seconds",
      help: "Age of the oldest event not yet acknowledged by JetStream; 0 when none (read at scrape time).",
      registers: [this.registry],
      async collect() {
        const backlog = await metrics.readBacklog();
        if (backlog) this.set(backlog.oldestAt ? Math.max(0, (Date.now() - backlog.oldestAt.getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: "invsync_dependency_up",
      help: "1 when the dependency (database, nats) is reachable, else 0 (checked at scrape time).",
      labelNames: ["dependency"] as const,
      registers: [this.registry],
      async collect() {
        if (!metrics.sources) return;
        this.set({ dependency: "database" }, (await metrics.sources.databaseUp()) ? 1 : 0);
        this.set({ dependency: "nats" }, metrics.sources.natsUp() ? 1 : 0);
      },
    });
  }

  /** Reads the outbox and dependency gauges from `sources` at every scrape from now on. */
  watch(sources: ScrapeSources): void {
    this.sources = sources;
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

  /** Counts an event the bus did not acknowledge. */
  publishFailed(): void {
    this.publishErrors.inc();
  }

  /** The metrics in Prometheus text format (a scrape: the outbox is read anew). */
  text(): Promise<string> {
    this.scrapes++;
    return this.registry.metrics();
  }

  /**
   * `read` as a reading of one scrape: the first gauge asking for it in a scrape runs it, the
   * others of that scrape share its result; undefined when it fails or takes longer than 2 s (a
   * scrape must not hang on a dead database).
   */
  perScrape<T>(read: () => Promise<T>): () => Promise<T | undefined> {
    let scrape = -1;
    let reading: Promise<T | undefined> = Promise.resolve(undefined);
    return () => {
      if (scrape !== this.scrapes) {
        scrape = this.scrapes;
        reading = withinTimeout(read(), 2000);
      }
      return reading;
    };
  }

  /** Content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** `promise`'s value, or undefined when it fails or takes longer than `ms` (a scrape must not hang on a dead database). */
function withinTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms).unref()));
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
