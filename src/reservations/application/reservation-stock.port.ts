import type { PendingShipment } from "../../inventory/domain/pending-shipment.js";
import type { Sku } from "../../inventory/domain/sku.js";
import type { LocationId } from "../../inventory/domain/location-id.js";
import type { StockLevel } from "../../inventory/domain/stock-level.js";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/** One stock record before and after a reservation step. */
export interface StockRecordChange {
  readonly before: StockLevel;
  readonly after: StockLevel;
}

/**
 * Port: the stock records as reservations use them. Every write happens under the row lock taken
 * in the same transaction, and is also conditional on the version read under it.
 */
export interface ReservationStock {
  /**
   * Locks the stock records of `sku` (only `locationId`'s when given) in location order and returns
   * them; none are created, so an unknown SKU or location returns an empty list.
   */
  lockSku(tx: Transaction, sku: Sku, locationId: LocationId | undefined): Promise<StockLevel[]>;
  /** Locks the records for `keys` in key order (they exist: reservations reference them), keyed by `stockKey`. */
  lock(tx: Transaction, keys: readonly StockRecordKey[]): Promise<Map<string, StockLevel>>;
  /** Writes on_hand, reserved, version and updated_at; throws if a record is not at `before.version`. */
  save(tx: Transaction, changes: readonly StockRecordChange[]): Promise<void>;
  /** Records shipped units that WMS counts may not include yet. */
  recordShipments(tx: Transaction, shipments: readonly PendingShipment[]): Promise<void>;
}
