import { Counter, Gauge, type Registry } from "prom-client";
import type { LowStockObserver } from "../../low-stock/application/low-stock-monitor.js";
import type { LowStockAlert } from "../../low-stock/domain/low-stock-alert.js";

/** What the low-stock gauges read at each scrape (undefined while the alerts are off). */
export interface LowStockReadings {
  /** Records running low now, by location. */
  runningLowByLocation(): Promise<ReadonlyMap<string, number> | undefined>;
  /** Stream messages the estimator has not read yet. */
  lag(): Promise<number | undefined>;
}

/** Most locations given a series of their own; the rest are summed under `location_id="other"`. */
export const MAX_LOCATION_SERIES = 200;

/**
 * Metrics of predictive low-stock alerts, on the service's registry: records running low by
 * location and the estimator's lag (both read at scrape time, on every replica, from the shared
 * database and stream), alerts by type and changes applied (counted by the replica doing the work).
 */
export class LowStockMetrics implements LowStockObserver {
  private readonly alerts: Counter<"type">;
  private readonly changes: Counter;
  private readonly position: Gauge;

  constructor(registry: Registry, readings: LowStockReadings | undefined) {
    const registers = [registry];
    this.alerts = new Counter({ name: "invsync_low_stock_alerts_total", help: "Low-stock alerts committed to the outbox, by type (StockRunningLow, StockRunningLowCleared).", labelNames: ["type"], registers });
    for (const type of ["StockRunningLow", "StockRunningLowCleared"]) this.alerts.inc({ type }, 0);
    this.changes = new Counter({ name: "invsync_low_stock_changes_total", help: "Stock changes applied to the low-stock estimates (by the replica holding the estimator's lease).", registers });
    this.position = new Gauge({ name: "invsync_low_stock_position", help: "Stream sequence the low-stock estimator has applied up to (on the replica holding its lease).", registers });
    new Gauge({
      name: "invsync_low_stock_records",
      help: `Stock records running low (expected to run out within LOW_STOCK_HORIZON_MINUTES), by location; at most ${MAX_LOCATION_SERIES} locations, the rest as "other" (read at scrape time).`,
      labelNames: ["location_id"],
      registers,
      async collect() {
        const counts = await readings?.runningLowByLocation();
        if (!counts) return;
        this.reset();
        const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        let other = 0;
        ranked.forEach(([location, n], i) => {
          if (i < MAX_LOCATION_SERIES) this.set({ location_id: location }, n);
          else other += n;
        });
        if (other > 0) this.set({ location_id: "other" }, other);
      },
    });
    new Gauge({
      name: "invsync_low_stock_lag_messages",
      help: "Event stream messages the low-stock estimator has not applied yet (read at scrape time; 0 while the alerts are off).",
      registers,
      async collect() {
        const lag = await readings?.lag().catch(() => undefined);
        if (lag !== undefined) this.set(lag);
      },
    });
  }

  applied(changes: number, position: number): void {
    this.changes.inc(changes);
    this.position.set(position);
  }

  alerted(alerts: readonly LowStockAlert[]): void {
    for (const alert of alerts) this.alerts.inc({ type: alert.type });
  }
}
