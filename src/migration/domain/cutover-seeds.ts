import { isStale } from "../../inventory/domain/apply-stock-counts.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import { stockKey } from "../../inventory/domain/stock-level.js";

/**
 * The seed counts a cutover needs. A record moving to the new path starts from its latest WMS count
 * (found in the shadow projection or the inbox), not from an empty or outdated row; the seed is
 * left out when a count of the batch itself is at least as new (that count sets the record anyway).
 *
 * @param latest the latest known count of each record moving to the new path
 * @param batch the batch's counts for the new path
 */
export function neededSeeds(latest: readonly StockCount[], batch: readonly StockCount[]): StockCount[] {
  const batchByKey = new Map<string, StockCount[]>();
  for (const count of batch) {
    const key = stockKey(count.sku, count.locationId);
    batchByKey.set(key, [...(batchByKey.get(key) ?? []), count]);
  }
  return latest.filter((seed) => {
    const watermark = { wmsId: seed.origin.wmsId, sequence: seed.origin.sequence, observedAt: seed.observedAt };
    const counts = batchByKey.get(stockKey(seed.sku, seed.locationId)) ?? [];
    return !counts.some((count) => sameOrigin(count, seed) || !isStale(watermark, count));
  });
}

function sameOrigin(a: StockCount, b: StockCount): boolean {
  return a.origin.wmsId === b.origin.wmsId && a.origin.sequence === b.origin.sequence;
}
