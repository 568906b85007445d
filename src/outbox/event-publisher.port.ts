import type { OutboxMessage } from "./outbox-message.js";

/** Where the bus stored a message. */
export interface PublishReceipt {
  /** The stream sequence the message is stored at. */
  readonly sequence: number;
  /** True when the bus already held this event (same event id) and stored nothing new. */
  readonly duplicate: boolean;
}

/** Whether the bus already holds an event. */
export type StoredCheck =
  | { readonly stored: true }
  /** Not stored; `lastSequence` is the stream's last sequence when the bus answered. */
  | { readonly stored: false; readonly lastSequence: number };

/**
 * Port: the message bus, as the relay uses it: one ordered stream in which a message is stored
 * only right behind the sequence its sender expects, so a message can never land after a gap.
 */
export interface EventPublisher {
  /**
   * Publishes `message` on condition that the stream's last sequence is `afterSequence`, and
   * resolves once the bus durably accepted it (or already held it: see {@link PublishReceipt}).
   * Rejects when it was not accepted (refused, another last sequence, timed out, disconnected).
   * Messages handed over one after another reach the bus in that order.
   */
  publish(message: OutboxMessage, afterSequence: number): Promise<PublishReceipt>;
  /**
   * Asks the bus whether it already holds `message` (within its duplicate window), storing
   * nothing. The answer is taken behind everything published before it, so it is final for them.
   */
  check(message: OutboxMessage): Promise<StoredCheck>;
  /** True while the bus is reachable; the relay waits instead of failing while it is not. */
  isConnected(): boolean;
}
