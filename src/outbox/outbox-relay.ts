import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { EventPublisher } from "./event-publisher.port.js";
import type { OutboxMessage } from "./outbox-message.js";
import type { OutboxStore } from "./outbox-store.port.js";
import type { RelayLease } from "./relay-lease.port.js";

/** Tuning of the relay. */
export interface RelayOptions {
  /** Events read from the outbox per round. */
  readonly batchSize: number;
  /** Longest wait between rounds when idle (a commit wakes the relay sooner). */
  readonly idleDelayMs: number;
  /** Longest wait between attempts while the bus or database is failing. */
  readonly maxBackoffMs: number;
}

/** Hooks for metrics; every one optional. */
export interface RelayObserver {
  /** `events` were acknowledged by the bus at `at`. */
  published?(messages: readonly OutboxMessage[], at: Date): void;
  /** A round failed. */
  failed?(error: unknown): void;
}

/** What one round did. */
export interface RoundResult {
  readonly published: number;
  /** Events read but not acknowledged; they stay in the outbox for the next round. */
  readonly unpublished: number;
}

/**
 * Publishes the outbox to the bus. Order per SKU is kept: within a round, events of one SKU are sent
 * one after another (each waits for the previous one's acknowledgement) while different SKUs go in
 * parallel, and after a failure the SKU's remaining events wait for the next round. A row is marked
 * published only after the bus acknowledged it, so a crash or outage delays events but loses none;
 * a resend after a crash is dropped by the bus's dedupe on the event id.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastError: string | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly lease: RelayLease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
    private readonly observer: RelayObserver = {},
  ) {}

  /** Starts publishing in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks for a round now (called after a commit that appended events). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** The last failure, or undefined when the last round succeeded. */
  get lastFailure(): string | undefined {
    return this.lastError;
  }

  /**
   * Stops the background loop after its current round, then keeps publishing until the outbox is
   * empty or `drainMs` has passed. Whatever is left is published by the next start.
   */
  async stop(drainMs: number): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && this.publisher.isConnected()) {
      const result = await this.publishRound().catch(() => ({ published: 0, unpublished: 1 }));
      if (result.unpublished > 0 || result.published < this.options.batchSize) break;
    }
    await this.lease.release().catch(() => undefined);
  }

  /** One round: read a batch of unpublished events, publish it, record what was acknowledged. */
  async publishRound(): Promise<RoundResult> {
    if (!(await this.lease.acquire())) return { published: 0, unpublished: 0 };
    const events = await this.store.fetchUnpublished(this.options.batchSize);
    if (events.length === 0) return { published: 0, unpublished: 0 };
    if (!this.publisher.isConnected()) return { published: 0, unpublished: events.length };

    const acknowledged: OutboxMessage[] = [];
    let failure: unknown;
    await Promise.all(
      [...groupBySku(events).values()].map(async (chain) => {
        for (const event of chain) {
          try {
            await this.publisher.publish(event);
            acknowledged.push(event);
          } catch (error) {
            failure ??= error;
            return; // the rest of this SKU waits, so its order is kept
          }
        }
      }),
    );
    const at = this.clock.now();
    await this.store.markPublished(acknowledged);
    if (acknowledged.length > 0) this.observer.published?.(acknowledged, at);
    if (failure !== undefined) throw failure;
    return { published: acknowledged.length, unpublished: events.length - acknowledged.length };
  }

  private async run(): Promise<void> {
    let backoffMs = 0;
    while (this.running) {
      let delayMs = this.options.idleDelayMs;
      try {
        const result = await this.publishRound();
        if (this.lastError) this.logger.info({ published: result.published }, "outbox relay recovered");
        this.lastError = undefined;
        if (result.unpublished > 0) {
          backoffMs = nextBackoff(backoffMs, this.options.maxBackoffMs);
          delayMs = backoffMs;
        } else {
          backoffMs = 0;
          if (result.published === this.options.batchSize) continue; // more is waiting
        }
      } catch (error) {
        backoffMs = nextBackoff(backoffMs, this.options.maxBackoffMs);
        delayMs = backoffMs;
        this.observer.failed?.(error);
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastError) this.logger.warn({ err: message, retryInMs: backoffMs }, "outbox relay round failed");
        this.lastError = message;
      }
      await this.sleep(delayMs, backoffMs === 0);
    }
  }

  private async sleep(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = wakeable ? done : () => (this.running ? undefined : done());
    });
    this.wakeUp = undefined;
    this.woken = false;
  }
}

function groupBySku(events: readonly OutboxMessage[]): Map<string, OutboxMessage[]> {
  const chains = new Map<string, OutboxMessage[]>();
  for (const event of events) {
    const chain = chains.get(event.sku);
    if (chain) chain.push(event);
    else chains.set(event.sku, [event]);
  }
  return chains;
}

function nextBackoff(currentMs: number, maxMs: number): number {
  return Math.min(maxMs, currentMs === 0 ? 100 : currentMs * 2);
}
