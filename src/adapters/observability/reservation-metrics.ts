import { Counter, Gauge, type Registry } from "prom-client";
import type { ReservationObserver, ReserveOutcome } from "../../reservations/application/reservation-observer.port.js";
import type { ReservedCounterReport } from "../../reservations/application/reserved-counter-audit.port.js";
import type { ReservationStatus } from "../../reservations/domain/reservation.js";

/** Prometheus metrics of reservations, on the service's registry. Labels are bounded; never a SKU. */
export class ReservationMetrics implements ReservationObserver {
  private readonly requests: Counter<"outcome">;
  private readonly closings: Counter<"status">;
  private readonly driftSkus: Gauge;
  private readonly driftRecords: Gauge;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: "invsync_reservation_requests_total",
      help: "ReserveStock requests answered, by outcome (reserved, replayed, insufficient_stock).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
    this.closings = new Counter({
      name: "invsync_reservations_closed_total",
      help: "Reservations that stopped holding stock, by status (released, expired, fulfilled).",
      labelNames: ["status"] as const,
      registers: [registry],
    });
    this.driftSkus = new Gauge({
      name: "invsync_reserved_drift_skus",
      help: "SKUs whose reserved counter differs from the sum of their active reservations, at the last drift check (must be 0).",
      registers: [registry],
    });
    this.driftRecords = new Gauge({
      name: "invsync_reserved_drift_records",
      help: "Stock records (SKU and location) whose reserved counter differs from their active reservations, at the last drift check.",
      registers: [registry],
    });
  }

  reserveAnswered(outcome: ReserveOutcome): void {
    this.requests.inc({ outcome });
  }

  closed(status: Exclude<ReservationStatus, "active">, count: number): void {
    this.closings.inc({ status }, count);
  }

  driftChecked(report: ReservedCounterReport): void {
    this.driftSkus.set(report.driftedSkus);
    this.driftRecords.set(report.driftedRecords);
  }
}
