import type { Clock } from "../../shared/clock.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import { isStale, NOTHING_MOVED, type CountOutcome, type MovedAfter } from "../domain/apply-stock-counts.js";
import { settleCounts } from "../domain/settle-counts.js";
import { shortfallOf } from "../domain/shortfall.js";
import type { StockCount } from "../domain/stock-count.js";
import type { StockRecordKey, StockRepository } from "./stock-repository.port.js";
import { stockKey, type StockLevel } from "../domain/stock-level.js";
import { noCountSettlement, type CountSettlement } from "./count-settlement.port.js";

/**
 * Applies WMS counts inside a caller's transaction: lock the records, decide with the domain rules
 * (net of local shipments the counts do not include yet, see `settleCounts`; a late snapshot
 * adjusted by the movements applied after it, see `applyStockCounts`), write the changed records,
 * settle shipments, record shortfalls and append the events to the outbox, all in `tx`.
 */
export class StockCountApplier {
  constructor(
    private readonly stock: StockRepository,
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly settlement: CountSettlement = noCountSettlement,
  ) {}

  /** Applies `counts` (already deduplicated) and returns one outcome per count, in order. */
  async apply(tx: Transaction, counts: readonly StockCount[]): Promise<readonly CountOutcome[]> {
    if (counts.length === 0) return [];
    const keys = distinctKeys(counts);
    const current = await this.stock.lockForUpdate(tx, keys);
    const { shipments, shortfalls, settleMs } = this.settlement;
    const pending = await shipments.pendingFor(tx, keys);
    const movedAfter = await lateCountMoves(this.stock, tx, current, counts);
    const now = this.clock.now();
    const result = settleCounts(current, counts, { pending, settleMs }, now, this.ids, movedAfter);
    await this.stock.saveCounts(tx, result.changed);
    await shipments.settle(tx, result.settledShipments);
    const short = result.changed.flatMap((level) => shortfallOf(level) ?? []);
    await shortfalls.record(tx, short, result.changed.filter((level) => !shortfallOf(level)), now);
    await this.outbox.append(tx, result.events);
    return result.outcomes;
  }
}

/** What movements applied after each late count moved, read in one query (see `applyStockCounts`). */
async function lateCountMoves(
  stock: StockRepository,
  tx: Transaction,
  current: ReadonlyMap<string, StockLevel>,
  counts: readonly StockCount[],
): Promise<MovedAfter> {
  const late = counts.filter((c) => isStale(current.get(stockKey(c.sku, c.locationId))?.movementWatermark, c));
  if (late.length === 0) return () => NOTHING_MOVED;
  const moved = await stock.movedAfter(
    tx,
    late.map((c) => ({ sku: c.sku, locationId: c.locationId, wmsId: c.origin.wmsId, afterSequence: c.origin.sequence })),
  );
  const byCount = new Map(late.map((c, i) => [c, moved[i]!]));
  return (_key, count) => byCount.get(count) ?? NOTHING_MOVED;
}

function distinctKeys(counts: readonly StockCount[]): StockRecordKey[] {
  const keys = new Map<string, StockRecordKey>();
  for (const { sku, locationId } of counts) keys.set(stockKey(sku, locationId), { sku, locationId });
  return [...keys.values()];
}
