import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { RecordOwnership, StockOwnership } from "../../reconciliation/application/reconciliation-store.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";

/** {@link StockOwnership} from `inventory` (is the SKU known) and `sku_routes` (the record's strangler path). */
export class KnexStockOwnership implements StockOwnership {
  async describe(tx: Transaction, key: StockRecordKey): Promise<RecordOwnership> {
    const { rows } = await knexTransaction(tx).raw<{ rows: Array<{ sku_known: boolean; path: RecordOwnership["path"] | null }> }>(
      `SELECT EXISTS (SELECT 1 FROM inventory WHERE sku = ?) AS sku_known,
              (SELECT path FROM sku_routes WHERE sku = ? AND location_id = ?) AS path`,
      [key.sku, key.sku, key.locationId],
    );
    return { skuKnown: rows[0]!.sku_known, path: rows[0]!.path ?? undefined };
  }
}
