import type { IdGenerator } from "../../shared/ids.js";
import type { InventoryEvent } from "./inventory-event.js";
import { nonSellableChange } from "./non-sellable.js";
import type { StockCount } from "./stock-count.js";
import { quantitiesOf, stockKey, type StockLevel, type WmsWatermark } from "./stock-level.js";

/** What happened to one count: it moved stock, or it was older than what we already have. */
export type CountOutcome = { readonly kind: "applied"; readonly eventId: string } | { readonly kind: "stale" };

/** The result of applying counts: one outcome per count (same order), the changed records, the events. */
export interface AppliedCounts {
  readonly outcomes: readonly CountOutcome[];
  readonly changed: readonly StockLevel[];
  readonly events: readonly InventoryEvent[];
}

/**
 * Applies WMS counts to the current stock records (which the caller has locked). Pure: no I/O.
 *
 * Rules:
 * - Counts for one record are applied in (wms_id, sequence) order, whatever their order in the batch;
 *   records are taken in the order they first appear in it (events and changed records follow).
 * - A count from the same source with a sequence below the record's watermark is stale: no change.
 * - A count from another source is stale when it was observed before the watermark's count.
 * - Every applied count sets on_hand, bumps the version and emits `StockCounted` (delta may be 0:
 *   a confirmed count is news for freshness).
 * - A count older than a movement already applied (`movementWatermark`) is rebased: the movements
 *   applied after it (`movedAfter`) are added, since the count cannot include them.
 *
 * @param current every record the counts touch, keyed by {@link stockKey}; missing keys are a bug.
 */
export function applyStockCounts(
  current: ReadonlyMap<string, StockLevel>,
  counts: readonly StockCount[],
  at: Date,
  ids: IdGenerator,
  movedAfter: MovedAfter = () => NOTHING_MOVED,
): AppliedCounts {
  const levels = new Map(current);
  const changedKeys = new Set<string>();
  const outcomes: CountOutcome[] = new Array(counts.length);
  const events: InventoryEvent[] = [];

  for (const [key, indexes] of byRecord(counts)) {
    for (const index of indexes) {
      const count = counts[index]!;
      const level = levels.get(key);
      if (!level) throw new Error(`stock record ${count.sku}@${count.locationId} was not loaded`);
      if (isStale(level.watermark, count)) {
        outcomes[index] = { kind: "stale" };
        continue;
      }
      const watermark = { wmsId: count.origin.wmsId, sequence: count.origin.sequence, observedAt: count.observedAt };
      const rebase = isStale(level.movementWatermark, count) ? movedAfter(key, count) : NOTHING_MOVED;
      const next: StockLevel = {
        ...level,
        ...rebased(count, rebase, level),
        version: level.version + 1,
        watermark,
        updatedAt: at,
      };
      const event: InventoryEvent = {
        eventId: ids.next(),
        type: "StockCounted",
        sku: count.sku,
        locationId: count.locationId,
        delta: next.onHand - level.onHand,
        source: "wms",
        occurredAt: at,
        before: quantitiesOf(level),
        after: quantitiesOf(next),
        version: next.version,
        cause: { kind: "wms_update", ...count.origin, observedAt: count.observedAt, reason: count.reason },
        ...nonSellableChange(level.nonSellable, next.nonSellable),
        ...(count.route ? { route: count.route } : {}),
      };
      levels.set(key, next);
      changedKeys.add(key);
      events.push(event);
      outcomes[index] = { kind: "applied", eventId: event.eventId };
    }
  }

  return { outcomes, changed: [...changedKeys].map((key) => levels.get(key)!), events };
}

/** Units moved by WMS movements applied after a count, by stock status. */
export interface MovedUnits {
  readonly sellable: number;
  readonly damaged: number;
  readonly qualityHold: number;
}

/** Nothing moved. */
export const NOTHING_MOVED: MovedUnits = { sellable: 0, damaged: 0, qualityHold: 0 };

/** The units moved at record `key` by movements of the count's source applied after it. */
export type MovedAfter = (key: string, count: StockCount) => MovedUnits;

function rebased(count: StockCount, moved: MovedUnits, level: StockLevel): Pick<StockLevel, "onHand" | "nonSellable"> {
  const nonSellable = count.nonSellable ?? level.nonSellable;
  return {
    onHand: Math.max(0, count.quantity + moved.sellable),
    nonSellable:
      nonSellable && (moved.damaged !== 0 || moved.qualityHold !== 0)
        ? { damaged: Math.max(0, nonSellable.damaged + moved.damaged), qualityHold: Math.max(0, nonSellable.qualityHold + moved.qualityHold) }
        : nonSellable,
  };
}

/** True when `count` is older than the update that set `watermark`. */
export function isStale(watermark: WmsWatermark | undefined, count: StockCount): boolean {
  if (!watermark) return false;
  if (watermark.wmsId === count.origin.wmsId) return count.origin.sequence <= watermark.sequence;
  return count.observedAt.getTime() < watermark.observedAt.getTime();
}

/**
 * The counts' indexes per stock record (records in the order they first appear), each record's in
 * application order: (wms_id, sequence), then batch order. Only the order within a record matters,
 * so only records with more than one count are sorted (a global sort by record was 3 % of the
 * service's CPU under the benchmark).
 */
function byRecord(counts: readonly StockCount[]): Map<string, number[]> {
  const records = new Map<string, number[]>();
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index]!;
    const key = stockKey(count.sku, count.locationId);
    const indexes = records.get(key);
    if (indexes) indexes.push(index);
    else records.set(key, [index]);
  }
  for (const indexes of records.values()) if (indexes.length > 1) indexes.sort((a, b) => compareOrigins(counts[a]!, counts[b]!) || a - b);
  return records;
}

function compareOrigins(a: StockCount, b: StockCount): number {
  if (a.origin.wmsId !== b.origin.wmsId) return a.origin.wmsId < b.origin.wmsId ? -1 : 1;
  return a.origin.sequence < b.origin.sequence ? -1 : a.origin.sequence > b.origin.sequence ? 1 : 0;
}
