import type { InventoryEvent } from "../inventory/domain/inventory-event.js";

/** Port: the message bus, as the relay uses it. */
export interface EventPublisher {
  /**
   * Publishes `event` and resolves once the bus has durably accepted it (a duplicate of an event
   * already accepted counts as accepted). Rejects when it was not accepted.
   */
  publish(event: InventoryEvent): Promise<void>;
  /** True while the bus is reachable; the relay waits instead of failing while it is not. */
  isConnected(): boolean;
}
