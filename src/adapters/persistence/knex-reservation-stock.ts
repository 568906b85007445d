import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { LocationId } from "../../inventory/domain/location-id.js";
import type { PendingShipment } from "../../inventory/domain/pending-shipment.js";
import type { Sku } from "../../inventory/domain/sku.js";
import { stockKey, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { ReservationStock, StockRecordChange } from "../../reservations/application/reservation-stock.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { KnexPendingShipments } from "./knex-pending-shipments.js";
import { COLUMNS, toStockLevel, type StockRow } from "./knex-stock-repository.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings } from "./row-values.js";

/**
 * {@link ReservationStock} over `inventory`: rows are locked (`FOR UPDATE`, in key order, like the
 * count path, so the two never deadlock) before they are read, and written back only if their
 * version is still the one read under the lock.
 */
export class KnexReservationStock implements ReservationStock {
  constructor(private readonly shipments: KnexPendingShipments) {}

  async lockSku(tx: Transaction, sku: Sku, locationId: LocationId | undefined): Promise<StockLevel[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: StockRow[] }>(
      `SELECT ${COLUMNS} FROM inventory WHERE sku = ? AND (?::text IS NULL OR location_id = ?::text)
       ORDER BY location_id FOR UPDATE`,
      bindings(sku, locationId ?? null, locationId ?? null),
    );
    return rows.map(toStockLevel);
  }

  async lock(tx: Transaction, keys: readonly StockRecordKey[]): Promise<Map<string, StockLevel>> {
    const { rows } = await knexTransaction(tx).raw<{ rows: StockRow[] }>(
      `SELECT ${COLUMNS} FROM inventory
       WHERE (sku, location_id) IN (SELECT * FROM unnest(?::text[], ?::text[]))
       ORDER BY sku, location_id FOR UPDATE`,
      bindings(
        keys.map((k) => k.sku),
        keys.map((k) => k.locationId),
      ),
    );
    return new Map(rows.map((row) => [stockKey(row.sku, row.location_id), toStockLevel(row)]));
  }

  async save(tx: Transaction, changes: readonly StockRecordChange[]): Promise<void> {
    if (changes.length === 0) return;
    const { rows } = await knexTransaction(tx).raw<{ rows: unknown[] }>(
      `UPDATE inventory AS i
       SET on_hand = u.on_hand, reserved = u.reserved, version = u.version, updated_at = u.updated_at
       FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::timestamptz[])
         AS u(sku, location_id, on_hand, reserved, version, read_version, updated_at)
       WHERE i.sku = u.sku AND i.location_id = u.location_id AND i.version = u.read_version
       RETURNING 1`,
      bindings(
        changes.map((c) => c.after.sku),
        changes.map((c) => c.after.locationId),
        changes.map((c) => c.after.onHand),
        changes.map((c) => c.after.reserved),
        changes.map((c) => c.after.version),
        changes.map((c) => c.before.version),
        changes.map((c) => c.after.updatedAt.toISOString()),
      ),
    );
    if (rows.length !== changes.length) {
      throw new Error(`stock records changed under a row lock (${rows.length} of ${changes.length} at the version read): refusing to write`);
    }
  }

  recordShipments(tx: Transaction, shipments: readonly PendingShipment[]): Promise<void> {
    return this.shipments.record(tx, shipments);
  }
}
