import type { OutboxMessage } from "./outbox-message.js";

/** Where the bus stored a message. */
export interface PublishReceipt {
  /** The stream sequence the message is stored at. */
  readonly sequence: number;
  /** True when the bus already held this event (same event id) and stored nothing new. */
  readonly duplicate: boolean;
}

/** What became of one message handed to {@link EventPublisher.publishAll}: where it is stored, or why it is not known to be. */
export type PublishOutcome = PublishReceipt | Error;

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
   * Publishes `messages` in order, each on condition that the stream's last sequence is the one
   * the message before it is expected to take (`afterSequence` for the first, then one more each),
   * and resolves once every one has an outcome, in the same order: a receipt when the bus durably
   * accepted it (or already held it: see {@link PublishReceipt}), an error when it was not accepted
   * or it is not known whether it was (refused, another last sequence, timed out, disconnected).
   * Never rejects. Batches handed over one after another reach the bus in that order. Each message
   * after the first is also stored only right behind the one before it (by event id), and the first
   * only right behind `afterEventId` when given: the chain's condition holds whoever else writes to
   * the stream (several replicas' relays), where a sequence alone could be met by another's events.
   */
  publishAll(messages: readonly OutboxMessage[], afterSequence: number, afterEventId?: string): Promise<PublishOutcome[]>;
  /**
   * Asks the bus whether it already holds `message` (within its duplicate window), storing
   * nothing. The answer is taken behind everything published before it, so it is final for them.
   */
  check(message: OutboxMessage): Promise<StoredCheck>;
  /** True while the bus is reachable; the relay waits instead of failing while it is not. */
  isConnected(): boolean;
}
