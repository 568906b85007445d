import type { Knex } from "knex";
import type { LowStockAlertOutbox } from "../../low-stock/application/depletion-estimates.port.js";
import type { LowStockAlert } from "../../low-stock/domain/low-stock-alert.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction, onCommit } from "./knex-unit-of-work.js";
import { outboxPartition } from "../../outbox/outbox-partition.js";
import { encodeChunk } from "./outbox-frames.js";
import { jsonRows } from "./row-values.js";

/** Encodes an alert for the bus (its protobuf message). */
export type AlertEncoder = (alert: LowStockAlert) => Uint8Array;

/**
 * {@link LowStockAlertOutbox}: each alert is kept in `low_stock_alerts` and queued for the bus in
 * the relay's queue (`outbox_chunks`, framed like every event, type `StockRunningLow` or
 * `StockRunningLowCleared`), in the transaction that saves the estimates that raised it, in the
 * partition of its stock record (as the record's events, so one replica publishes both, in order).
 * Alerts are not written to the
 * `inventory_events` ledger: they are observations about stock, not changes of it, and carry no
 * version of the record's chain.
 */
export class KnexLowStockAlertOutbox implements LowStockAlertOutbox {
  constructor(
    private readonly encode: AlertEncoder,
    private readonly onAppended: () => void = () => undefined,
    /** Most alerts in one row of the relay's queue (its batch size, as for events). */
    private readonly chunkEvents = 1000,
    /** The outbox's partitions (`RELAY_PARTITIONS`), as for events. */
    private readonly partitions = 1,
  ) {}

  async append(tx: Transaction, alerts: readonly LowStockAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    const trx = knexTransaction(tx);
    // Queued now (the relay's backlog age is about the queue, not about when the estimate's change committed).
    const byPartition = new Map<number, LowStockAlert[]>();
    for (const alert of alerts) {
      const partition = outboxPartition(alert.sku, alert.locationId, this.partitions);
      let group = byPartition.get(partition);
      if (!group) byPartition.set(partition, (group = []));
      group.push(alert);
    }
    const chunks: Array<[number, Buffer, number]> = [];
    for (const [partition, group] of byPartition) {
      for (let first = 0; first < group.length; first += this.chunkEvents) {
        const chunk = group.slice(first, first + this.chunkEvents);
        const frames = chunk.map((alert) => ({ eventId: alert.eventId, type: alert.type, sku: alert.sku, committedMs: alert.at.getTime(), observedMs: undefined, payload: this.encode(alert) }));
        chunks.push([chunk.length, encodeChunk(frames), partition]);
      }
    }
    await trx.raw(
      `WITH kept AS (
         INSERT INTO low_stock_alerts (event_id, type, sku, location_id, available, rate_per_hour, expected_stockout_at, horizon_ms, half_life_ms, stock_version, at, reason, raised_event_id)
         SELECT * FROM json_to_recordset(?::json) AS r(event_id uuid, type text, sku text, location_id text, available bigint, rate_per_hour double precision,
           expected_stockout_at timestamptz, horizon_ms bigint, half_life_ms bigint, stock_version bigint, at timestamptz, reason text, raised_event_id uuid))
       INSERT INTO outbox_chunks (events, committed_at, messages, relay_partition) VALUES ${chunks.map(() => "(?::int, now(), ?::bytea, ?::int)").join(", ")}`,
      [jsonRows(alerts.map(toRow)), ...chunks.flat()],
    );
    onCommit(tx, this.onAppended);
  }
}

function toRow(alert: LowStockAlert) {
  return {
    event_id: alert.eventId,
    type: alert.type,
    sku: alert.sku,
    location_id: alert.locationId,
    available: alert.available,
    rate_per_hour: alert.ratePerHour,
    expected_stockout_at: alert.expectedStockoutAt?.toISOString() ?? null,
    horizon_ms: Math.round(alert.horizonMs),
    half_life_ms: Math.round(alert.halfLifeMs),
    stock_version: alert.stockVersion,
    at: alert.at.toISOString(),
    reason: alert.type === "StockRunningLowCleared" ? alert.reason : null,
    raised_event_id: alert.type === "StockRunningLowCleared" ? alert.raisedEventId : null,
  };
}
