import { Counter, Gauge, type Registry } from "prom-client";
import type { LegacyFeedBacklog } from "../../migration/application/legacy-feed-queue.port.js";
import type { LegacyForwarderObserver } from "../../migration/application/legacy-forwarder.js";
import type { FailedAttempt } from "../../shared/retries.js";

/**
 * Metrics of the HTTP hand-off to legacy, on the service's registry. Labels: a batch's outcome, a
 * failed attempt's kind (both closed sets). The backlog gauges are read from the feed at each scrape
 * while forwarding is on, and stay 0 while legacy reads the feed table itself.
 */
export class LegacyForwardMetrics implements LegacyForwarderObserver {
  private readonly updates: Counter;
  private readonly batches: Counter<"outcome">;
  private readonly attemptFailures: Counter<"kind">;

  /** @param backlog the feed's backlog, read once per scrape; undefined while forwarding is off. */
  constructor(registry: Registry, backlog: (() => Promise<LegacyFeedBacklog | undefined>) | undefined) {
    const registers = [registry];
    this.updates = new Counter({ name: "invsync_legacy_forwarded_updates_total", help: "Legacy feed rows acknowledged (2xx) by legacy's endpoint.", registers });
    this.batches = new Counter({
      name: "invsync_legacy_forward_batches_total",
      help: "Legacy feed batches by outcome: delivered, failed (every attempt failed: network, timeout, 429, 5xx), rejected (refused with another status; held until accepted).",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of ["delivered", "failed", "rejected"]) this.batches.inc({ outcome }, 0);
    this.attemptFailures = new Counter({
      name: "invsync_legacy_forward_attempt_failures_total",
      help: "Failed attempts to POST a legacy feed batch, by kind (network, timeout, throttled, server_error, rejected).",
      labelNames: ["kind"],
      registers,
    });
    new Gauge({
      name: "invsync_legacy_feed_backlog",
      help: "Legacy feed rows not yet delivered to legacy's endpoint (HTTP hand-off; read at scrape time, 0 when it is off).",
      registers,
      async collect() {
        const read = await backlog?.();
        if (read) this.set(read.count);
      },
    });
    new Gauge({
      name: "invsync_legacy_feed_oldest_age_seconds",
      help: "Age of the oldest legacy feed row not yet delivered; 0 when none (read at scrape time).",
      registers,
      async collect() {
        const read = await backlog?.();
        if (read) this.set(read.oldestFedAt ? Math.max(0, (Date.now() - read.oldestFedAt.getTime()) / 1000) : 0);
      },
    });
  }

  delivered(updates: number): void {
    this.updates.inc(updates);
    this.batches.inc({ outcome: "delivered" });
  }

  attemptFailed(failure: FailedAttempt): void {
    this.attemptFailures.inc({ kind: failure.kind });
  }

  batchFailed(outcome: "failed" | "rejected"): void {
    this.batches.inc({ outcome });
  }
}
