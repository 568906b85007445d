import type { Clock } from "../../shared/clock.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { CountOutcome } from "../domain/apply-stock-counts.js";
import { settleCounts } from "../domain/settle-counts.js";
import { shortfallOf } from "../domain/shortfall.js";
import type { StockCount } from "../domain/stock-count.js";
import type { StockRecordKey, StockRepository } from "./stock-repository.port.js";
import { stockKey } from "../domain/stock-level.js";
import { noCountSettlement, type CountSettlement } from "./count-settlement.port.js";

/**
 * Applies WMS counts inside a caller's transaction: lock the records, decide with the domain rules
 * (net of local shipments the counts do not include yet, see `settleCounts`), write the changed
 * records, settle shipments, record shortfalls and append the events to the outbox, all in `tx`.
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
    const now = this.clock.now();
    const result = settleCounts(current, counts, { pending, settleMs }, now, this.ids);
    await this.stock.saveCounts(tx, result.changed);
    await shipments.settle(tx, result.settledShipments);
    const short = result.changed.flatMap((level) => shortfallOf(level) ?? []);
    await shortfalls.record(tx, short, result.changed.filter((level) => !shortfallOf(level)), now);
    await this.outbox.append(tx, result.events);
    return result.outcomes;
  }
}

function distinctKeys(counts: readonly StockCount[]): StockRecordKey[] {
  const keys = new Map<string, StockRecordKey>();
  for (const { sku, locationId } of counts) keys.set(stockKey(sku, locationId), { sku, locationId });
  return [...keys.values()];
}
