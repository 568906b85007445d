import type { EventPublisher } from "./event-publisher.port.js";
import type { OutboxMessage } from "./outbox-message.js";

const SUCCEEDED = Promise.resolve(true);

/**
 * Publishes messages so that each SKU's messages reach the bus one after another, in the order they
 * were handed over, across batches: a message is sent only once its SKU's previous message was
 * acknowledged, while different SKUs go in parallel. When a message fails, its SKU's later messages
 * are not sent (they stay in the outbox behind it, so order is kept); other SKUs carry on. The
 * caller stops handing over new batches once {@link failed} is set, and calls {@link reset} when
 * nothing is in flight any more.
 */
export class SkuChains {
  private readonly tails = new Map<string, Promise<boolean>>();
  private failure: unknown;

  /** @param onFailure told about each message the bus refused. */
  constructor(
    private readonly publisher: EventPublisher,
    private readonly onFailure: (message: OutboxMessage, error: unknown) => void = () => undefined,
  ) {}

  /** The first failure since the last reset, if any. */
  get failed(): unknown {
    return this.failure;
  }

  /** Chains `messages` behind what is already in flight; resolves with those the bus acknowledged. */
  async publish(messages: readonly OutboxMessage[]): Promise<OutboxMessage[]> {
    const acknowledged: OutboxMessage[] = [];
    const settled = messages.map((message) => {
      const tail = (this.tails.get(message.sku) ?? SUCCEEDED).then((previousOk) => {
        if (!previousOk) return false;
        return this.publisher.publish(message).then(
          () => {
            acknowledged.push(message);
            return true;
          },
          (error: unknown) => {
            this.onFailure(message, error);
            this.failure ??= error;
            return false;
          },
        );
      });
      this.tails.set(message.sku, tail);
      void tail.then(() => {
        if (this.tails.get(message.sku) === tail) this.tails.delete(message.sku);
      });
      return tail;
    });
    await Promise.all(settled);
    return acknowledged;
  }

  /** Forgets the failure (call once nothing is in flight). */
  reset(): void {
    this.failure = undefined;
    this.tails.clear();
  }
}
