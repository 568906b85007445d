import type { Sku } from "./sku.js";
import { availableOf, type StockLevel } from "./stock-level.js";

/** The stock of one SKU: its records per location and their totals. */
export interface SkuStock {
  readonly sku: Sku;
  readonly onHand: number;
  readonly reserved: number;
  /** Sum of each location's availability (each floored at zero on its own). */
  readonly available: number;
  /** The newest change at any location. */
  readonly updatedAt: Date;
  /** One record per location, in location order. */
  readonly locations: readonly StockLevel[];
}

/** Totals `levels` (all of one SKU, at least one) into a {@link SkuStock}. */
export function summariseSku(sku: Sku, levels: readonly StockLevel[]): SkuStock {
  let onHand = 0;
  let reserved = 0;
  let available = 0;
  let updatedAt = new Date(0);
  for (const level of levels) {
    onHand += level.onHand;
    reserved += level.reserved;
    available += availableOf(level.onHand, level.reserved);
    if (level.updatedAt > updatedAt) updatedAt = level.updatedAt;
  }
  return { sku, onHand, reserved, available, updatedAt, locations: levels };
}
