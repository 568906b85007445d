import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import type { EventPublisher } from "./event-publisher.port.js";
import type { OutboxMessage } from "./outbox-message.js";
import type { OutboxStore } from "./outbox-store.port.js";
import type { RelayLease } from "./relay-lease.port.js";
import { SkuChains } from "./sku-chains.js";

/** Tuning of the relay. */
export interface RelayOptions {
  /** Events read from the outbox per round. */
  readonly batchSize: number;
  /** Longest wait between rounds when idle (a commit wakes the relay sooner). */
  readonly idleDelayMs: number;
  /** Longest wait between attempts while the bus or database is failing. */
  readonly maxBackoffMs: number;
  /** Batches the background loop keeps in flight at once (1: strictly one after another). */
  readonly pipelineDepth: number;
}

/** Hooks for metrics; every one optional. */
export interface RelayObserver {
  /** `events` were acknowledged by the bus at `at`. */
  published?(messages: readonly OutboxMessage[], at: Date): void;
  /** A round failed. */
  failed?(error: unknown): void;
  /** The bus did not acknowledge `message` (it stays in the outbox). */
  publishFailed?(message: OutboxMessage, error: unknown): void;
}

/** What one round did. */
export interface RoundResult {
  readonly published: number;
  /** Events read but not acknowledged; they stay in the outbox for the next round. */
  readonly unpublished: number;
}

/**
 * Publishes the outbox to the bus. Order per SKU is kept: events of one SKU are sent one after
 * another (each waits for the previous one's acknowledgement) while different SKUs go in parallel,
 * and after a failure the remaining events wait for the next attempt (see `SkuChains`). A row is marked
 * published only after the bus acknowledged it, so a crash or outage delays events but loses none;
 * a resend after a crash is dropped by the bus's dedupe on the event id.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastError: string | undefined;
  private readonly chains: SkuChains;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly lease: RelayLease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
    private readonly observer: RelayObserver = {},
  ) {
    this.chains = new SkuChains(publisher, (message, error) => observer.publishFailed?.(message, error));
  }

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
    const events = await this.store.fetchUnpublished(this.options.batchSize, []);
    if (events.length === 0) return { published: 0, unpublished: 0 };
    if (!this.publisher.isConnected()) return { published: 0, unpublished: events.length };
    const acknowledged = await this.record(await this.chains.publish(events));
    const failure = this.chains.failed;
    this.chains.reset();
    if (failure !== undefined) throw failure;
    return { published: acknowledged.length, unpublished: events.length - acknowledged.length };
  }

  /**
   * The background loop: up to `pipelineDepth` batches in flight at once, so reading the next batch
   * and recording the last one overlap with publishing. A new batch never holds a row already in
   * flight, and its messages queue behind their SKU's earlier ones (see `SkuChains`), so order per
   * SKU holds across batches. After a failure everything in flight settles, then the loop backs off
   * and starts again from the oldest unpublished row.
   */
  private async run(): Promise<void> {
    const inFlight = new Map<string, Promise<unknown>>();
    const positions = new Set<string>();
    let backoffMs = 0;
    while (this.running) {
      try {
        const ready = (await this.lease.acquire()) && this.publisher.isConnected();
        if (ready && this.chains.failed === undefined && inFlight.size < this.options.pipelineDepth) {
          const batch = await this.store.fetchUnpublished(this.options.batchSize, [...positions]);
          if (batch.length > 0) {
            const id = batch[0]!.position;
            for (const message of batch) positions.add(message.position);
            const round = this.chains.publish(batch).then((acknowledged) => this.record(acknowledged)).finally(() => {
              for (const message of batch) positions.delete(message.position);
              inFlight.delete(id);
            });
            inFlight.set(id, round);
            if (batch.length === this.options.batchSize) continue; // more is waiting: fetch it while this one flies
          }
        }
        if (inFlight.size > 0) {
          await Promise.race(inFlight.values());
          if (this.chains.failed === undefined) continue;
          await Promise.allSettled(inFlight.values());
          const failure = this.chains.failed;
          this.chains.reset();
          throw failure;
        }
        if (this.lastError) this.logger.info({}, "outbox relay recovered");
        this.lastError = undefined;
        backoffMs = ready ? 0 : nextBackoff(backoffMs, this.options.maxBackoffMs);
        await this.sleep(ready ? this.options.idleDelayMs : backoffMs, ready);
      } catch (error) {
        await Promise.allSettled(inFlight.values());
        backoffMs = nextBackoff(backoffMs, this.options.maxBackoffMs);
        this.observer.failed?.(error);
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastError) this.logger.warn({ err: message, retryInMs: backoffMs }, "outbox relay round failed");
        this.lastError = message;
        await this.sleep(backoffMs, false);
      }
    }
    await Promise.allSettled(inFlight.values());
  }

  /** Removes acknowledged messages from the outbox's queue and reports them. */
  private async record(acknowledged: OutboxMessage[]): Promise<OutboxMessage[]> {
    await this.store.markPublished(acknowledged);
    if (acknowledged.length > 0) this.observer.published?.(acknowledged, this.clock.now());
    return acknowledged;
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

function nextBackoff(currentMs: number, maxMs: number): number {
  return Math.min(maxMs, currentMs === 0 ? 100 : currentMs * 2);
}
