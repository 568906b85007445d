import type { OutboxMessage } from "./outbox-message.js";

/** Port: the message bus, as the relay uses it. */
export interface EventPublisher {
  /**
   * Publishes `message` and resolves once the bus has durably accepted it (a duplicate of a message
   * already accepted counts as accepted). Rejects when it was not accepted.
   */
  publish(message: OutboxMessage): Promise<void>;
  /** True while the bus is reachable; the relay waits instead of failing while it is not. */
  isConnected(): boolean;
}
