import type { InventoryEvent } from "../inventory/domain/inventory-event.js";
import type { Transaction } from "../shared/unit-of-work.js";

/** Port: appends domain events to the outbox, inside the transaction of the change they describe. */
export interface EventOutbox {
  /** Appends `events` in order; they are published later by the relay, in the same order per SKU. */
  append(tx: Transaction, events: readonly InventoryEvent[]): Promise<void>;
}
