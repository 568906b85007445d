import type { Clock } from "../../shared/clock.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import { applyStockMovements, type MovementOutcome } from "../domain/apply-stock-movements.js";
import { stockKey } from "../domain/stock-level.js";
import type { StockMovement } from "../domain/stock-movement.js";
import type { StockRecordKey, StockRepository } from "./stock-repository.port.js";
import { shortfallDetected, shortfallOf } from "../domain/shortfall.js";
import type { InventoryEvent } from "../domain/inventory-event.js";
import { noCountSettlement, type ShortfallRegister } from "./count-settlement.port.js";

/**
 * Applies WMS movements inside a caller's transaction, after the batch's counts: lock the records
 * (every leg's), decide with the domain rules, write the changed records, record shortfalls (a pick
 * that leaves on_hand below reserved, like a count that does) and append the events.
 */
export class StockMovementApplier {
  constructor(
    private readonly stock: StockRepository,
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly shortfalls: ShortfallRegister = noCountSettlement.shortfalls,
  ) {}

  /** Applies `movements` (already deduplicated) and returns one outcome per movement, in order. */
  async apply(tx: Transaction, movements: readonly StockMovement[]): Promise<readonly MovementOutcome[]> {
    if (movements.length === 0) return [];
    const keys = new Map<string, StockRecordKey>();
    for (const { sku, legs } of movements) for (const { locationId } of legs) keys.set(stockKey(sku, locationId), { sku, locationId });
    const current = await this.stock.lockForUpdate(tx, [...keys.values()]);
    const result = applyStockMovements(current, movements, this.clock.now(), this.ids);
    await this.stock.saveCounts(tx, result.changed);
    const short = result.changed.flatMap((level) => shortfallOf(level) ?? []);
    await this.shortfalls.record(tx, short, result.changed.filter((level) => !shortfallOf(level)), this.clock.now());
    await this.outbox.append(tx, withShortfalls(result.events, this.ids));
    return result.outcomes;
  }
}

/** Each movement event, followed by `StockShortfallDetected` when it leaves on_hand newly short of reserved. */
function withShortfalls(events: readonly InventoryEvent[], ids: IdGenerator): InventoryEvent[] {
  return events.flatMap((event) => {
    const shortfall = shortfallDetected(event, ids, "changed");
    return shortfall ? [event, shortfall] : [event];
  });
}
