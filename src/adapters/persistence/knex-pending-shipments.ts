import type { ShipmentLedger } from "../../inventory/application/count-settlement.port.js";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import type { PendingShipment } from "../../inventory/domain/pending-shipment.js";
import { asSku } from "../../inventory/domain/sku.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, toDate } from "./row-values.js";

interface ShipmentRow {
  reservation_id: string;
  sku: string;
  location_id: string;
  quantity: string | number;
  shipped_at: Date | string;
}

/**
 * The `pending_shipments` table: written by fulfilments, read and settled by WMS counts, always
 * under the stock record's row lock (so a count sees every shipment committed before it).
 */
export class KnexPendingShipments implements ShipmentLedger {
  /** Records `shipments` in `tx`. */
  async record(tx: Transaction, shipments: readonly PendingShipment[]): Promise<void> {
    if (shipments.length === 0) return;
    await knexTransaction(tx).raw(
      `INSERT INTO pending_shipments (reservation_id, sku, location_id, quantity, shipped_at)
       SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::timestamptz[])`,
      bindings(
        shipments.map((s) => s.reservationId),
        shipments.map((s) => s.sku),
        shipments.map((s) => s.locationId),
        shipments.map((s) => s.quantity),
        shipments.map((s) => s.shippedAt.toISOString()),
      ),
    );
  }

  async pendingFor(tx: Transaction, keys: readonly StockRecordKey[]): Promise<Map<string, PendingShipment[]>> {
    const pending = new Map<string, PendingShipment[]>();
    if (keys.length === 0) return pending;
    const { rows } = await knexTransaction(tx).raw<{ rows: ShipmentRow[] }>(
      `SELECT reservation_id::text AS reservation_id, sku, location_id, quantity, shipped_at FROM pending_shipments
       WHERE (sku, location_id) IN (SELECT * FROM unnest(?::text[], ?::text[]))
       ORDER BY sku, location_id, shipped_at`,
      bindings(
        keys.map((k) => k.sku),
        keys.map((k) => k.locationId),
      ),
    );
    for (const row of rows) {
      const key = stockKey(row.sku, row.location_id);
      const list = pending.get(key) ?? [];
      list.push({
        reservationId: row.reservation_id,
        sku: asSku(row.sku),
        locationId: asLocationId(row.location_id),
        quantity: Number(row.quantity),
        shippedAt: toDate(row.shipped_at),
      });
      pending.set(key, list);
    }
    return pending;
  }

  async settle(tx: Transaction, reservationIds: readonly string[]): Promise<void> {
    if (reservationIds.length === 0) return;
    await knexTransaction(tx).raw(`DELETE FROM pending_shipments WHERE reservation_id = ANY(?::uuid[])`, bindings(reservationIds));
  }
}
