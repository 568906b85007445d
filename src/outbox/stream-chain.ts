import type { EventPublisher } from "./event-publisher.port.js";
import type { OutboxMessage } from "./outbox-message.js";

/**
 * Publishes outbox messages as one chain on the bus's stream, with any number in flight: each
 * message is sent on condition that the stream ends at the sequence the message before it is
 * expected to take. The bus checks that condition as it stores, so the stream only ever holds an
 * unbroken prefix of what was sent: when a message is lost, refused or overtaken (a reconnect that
 * flushes buffered publishes, a transient JetStream error), every message sent after it is refused
 * too, and none lands after the gap. Messages are handed over in outbox order, so per-SKU order
 * follows.
 *
 * After a break (see {@link failed}) nothing more is sent; once nothing is in flight the caller
 * calls {@link reset}, and {@link sync} asks the bus which of the oldest unpublished messages it
 * already holds (their acknowledgements may have been lost) and where the stream ends, behind
 * everything sent before, before the chain is resumed.
 */
export class StreamChain {
  private tail: number | undefined;
  /** The event id of the last message sent since the sync (undefined right after it). */
  private tailEventId: string | undefined;
  private failure: unknown;

  /** @param onFailure told about each message the bus did not accept. */
  constructor(
    private readonly publisher: EventPublisher,
    private readonly onFailure: (message: OutboxMessage, error: unknown) => void = () => undefined,
  ) {}

  /** True once the chain knows where the stream ends (after {@link sync}). */
  get synced(): boolean {
    return this.tail !== undefined;
  }

  /** The first failure since the last reset, if any. */
  get failed(): unknown {
    return this.failure;
  }

  /**
   * Asks the bus about `head` (the oldest unpublished messages, in outbox order) and returns those
   * it already holds. The chain is synced unless the bus held every one of them.
   */
  async sync(head: readonly OutboxMessage[]): Promise<OutboxMessage[]> {
    const checks = await Promise.all(head.map((message) => this.publisher.check(message)));
    const stored: OutboxMessage[] = [];
    let last: number | undefined;
    checks.forEach((check, i) => {
      if (check.stored) stored.push(head[i]!);
      else last = Math.max(last ?? 0, check.lastSequence);
    });
    if (last !== undefined && this.failure === undefined) {
      this.tail = last;
      this.tailEventId = undefined;
    }
    return stored;
  }

  /**
   * Sends `messages` behind everything sent before and resolves with those the bus accepted. Sends
   * nothing while unsynced or broken.
   */
  async send(messages: readonly OutboxMessage[]): Promise<OutboxMessage[]> {
    if (this.tail === undefined || this.failure !== undefined || messages.length === 0) return [];
    const after = this.tail;
    const afterEventId = this.tailEventId;
    this.tail += messages.length;
    this.tailEventId = messages[messages.length - 1]!.eventId;
    // Behind the last message sent by id too: another replica's relay may have stored as many events
    // as this chain expected to, so the sequence alone would let this batch land behind a gap.
    const outcomes = await this.publisher.publishAll(messages, after, afterEventId);
    const acknowledged: OutboxMessage[] = [];
    messages.forEach((message, i) => {
      const outcome = outcomes[i] ?? new Error(`the bus said nothing of event ${message.eventId}`);
      if (outcome instanceof Error) {
        this.onFailure(message, outcome);
        this.break(outcome);
        return;
      }
      acknowledged.push(message);
      // Stored, but not where the chain expected it: the chain no longer describes the stream.
      if (outcome.duplicate || outcome.sequence !== after + i + 1) {
        this.break(new Error(`event ${message.eventId} is at stream sequence ${outcome.sequence}${outcome.duplicate ? " (sent before)" : ""}, not ${after + i + 1}`));
      }
    });
    return acknowledged;
  }

  /** Forgets the failure and where the stream ends (call once nothing is in flight). */
  reset(): void {
    this.failure = undefined;
    this.tail = undefined;
    this.tailEventId = undefined;
  }

  private break(error: unknown): void {
    this.failure ??= error;
  }
}
