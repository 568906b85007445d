import { Counter, Gauge, type Registry } from "prom-client";
import type { QueueForwarderObserver } from "../../outbox/queue-forwarder.js";
import type { SyncBacklog } from "../../reservations/application/reservation-sync-outbox.port.js";
import type { FailedAttempt } from "../../shared/retries.js";

/**
 * Metrics of the reservation sync to the WMS. The backlog gauges are read from the outbox at each
 * scrape while the sync is on (0 while it is off); counters count this replica's deliveries.
 */
export class ReservationSyncMetrics implements QueueForwarderObserver {
  private readonly messages: Counter<"outcome">;
  private readonly attemptFailures: Counter<"kind">;

  constructor(registry: Registry, backlog: (() => Promise<SyncBacklog | undefined>) | undefined) {
    const registers = [registry];
    this.messages = new Counter({
      name: "invsync_reservation_sync_messages_total",
      help: "Reservation sync messages by outcome: delivered (2xx), failed (every attempt failed: network, timeout, 429, 5xx; retried later), parked (refused with a 4xx; waits for an operator's retry).",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of ["delivered", "failed", "parked"]) this.messages.inc({ outcome }, 0);
    this.attemptFailures = new Counter({
      name: "invsync_reservation_sync_attempt_failures_total",
      help: "Failed POSTs of reservation sync messages, by kind (network, timeout, throttled, server_error, rejected).",
      labelNames: ["kind"],
      registers,
    });
    const gauge = (name: string, help: string, value: (read: SyncBacklog) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const read = await backlog?.();
          this.set(read ? value(read) : 0);
        },
      });
    };
    gauge("invsync_reservation_sync_backlog", "Reservation sync messages not yet acknowledged by the WMS, parked ones excluded (read at scrape time; 0 when the sync is off).", (r) => r.pending);
    gauge("invsync_reservation_sync_parked", "Reservation sync messages the WMS refused (4xx), waiting for an operator's retry.", (r) => r.parked);
    gauge("invsync_reservation_sync_oldest_age_seconds", "Age of the oldest reservation sync message not yet acknowledged; 0 when none.", (r) =>
      r.oldestPendingAt ? Math.max(0, (Date.now() - r.oldestPendingAt.getTime()) / 1000) : 0,
    );
  }

  delivered(entries: number): void {
    this.messages.inc({ outcome: "delivered" }, entries);
  }

  attemptFailed(failure: FailedAttempt): void {
    this.attemptFailures.inc({ kind: failure.kind });
  }

  batchFailed(outcome: "failed" | "rejected"): void {
    this.messages.inc({ outcome: outcome === "rejected" ? "parked" : "failed" });
  }
}
