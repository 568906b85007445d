import type { LocationId } from "../domain/location-id.js";
import type { Sku } from "../domain/sku.js";
import type { StockLevel } from "../domain/stock-level.js";
import type { MovedUnits } from "../domain/apply-stock-counts.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/** Identifies one stock record. */
export interface StockRecordKey {
  readonly sku: Sku;
  readonly locationId: LocationId;
}

/** One page of SKUs, each with its stock records. */
export interface StockPage {
  /** SKUs in ascending order, each with its records in location order. */
  readonly skus: ReadonlyArray<{ readonly sku: Sku; readonly levels: readonly StockLevel[] }>;
  /** True when more SKUs follow the last one. */
  readonly hasMore: boolean;
}

/** Which movements {@link StockRepository.movedAfter} sums. */
export interface MovedAfterQuery extends StockRecordKey {
  readonly wmsId: string;
  readonly afterSequence: bigint;
}

/** Port: persistence of stock records. */
export interface StockRepository {
  /**
   * Locks the records for `keys` for the rest of `tx` (creating missing ones at zero) and returns
   * them keyed by `stockKey`. Locks are taken in key order so concurrent batches cannot deadlock.
   */
  lockForUpdate(tx: Transaction, keys: readonly StockRecordKey[]): Promise<Map<string, StockLevel>>;
  /** Writes the WMS-owned fields (on_hand, non-sellable, version, watermarks, updated_at) of records locked in `tx`. */
  saveCounts(tx: Transaction, levels: readonly StockLevel[]): Promise<void>;
  /**
   * Units moved by applied WMS movements of `wmsId` with a sequence above `afterSequence`, per query
   * (same order), by stock status: what a late count must be rebased on.
   */
  movedAfter(tx: Transaction, queries: readonly MovedAfterQuery[]): Promise<MovedUnits[]>;
  /** Every record of `sku`, in location order; empty when the SKU is unknown. */
  findBySku(sku: Sku): Promise<StockLevel[]>;
  /** Up to `limit` SKUs after `afterSku` (exclusive), optionally only those starting with `skuPrefix`. */
  listSkus(params: { afterSku: string | undefined; limit: number; skuPrefix: string | undefined }): Promise<StockPage>;
}
