import type { Clock } from "../shared/clock.js";
import type { Lease } from "../shared/lease.port.js";
import type { Logger } from "../shared/logger.js";
import type { EventPublisher } from "./event-publisher.port.js";
import type { OutboxLease } from "./outbox-lease.port.js";
import type { OutboxMessage } from "./outbox-message.js";
import { isEmptyShare, type OutboxShare } from "./outbox-partition.js";
import type { OutboxStore } from "./outbox-store.port.js";
import { StreamChain } from "./stream-chain.js";

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
 * Publishes the outbox to the bus. Events go out in outbox order as one chain on the stream (see
 * `StreamChain`), up to `pipelineDepth` batches in flight, and the bus stores each only right
 * behind the one sent before it, so order per SKU holds in the stream whatever fails. After a
 * failure the relay lets everything in flight settle, asks the bus which of the oldest unpublished
 * events it already holds, and resumes the chain from where the stream ends. A row is marked
 * published only after the bus acknowledged it (or said it holds it), so a crash or outage delays
 * events but loses none; a resend after a crash is dropped by the bus's dedupe on the event id.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastError: string | undefined;
  private readonly chain: StreamChain;
  /** The share the chain was synced for (a key of it): a new share is synced anew. */
  private shareKey = "";

  /**
   * @param lease what this relay may publish: the whole outbox while it holds a {@link Lease} (one
   *   relay per database; other replicas stand by), or the outbox partitions it holds now (several
   *   replicas, each publishing its partitions' events; see {@link OutboxLease}).
   */
  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly lease: Lease | OutboxLease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
    private readonly observer: RelayObserver = {},
  ) {
    this.chain = new StreamChain(publisher, (message, error) => observer.publishFailed?.(message, error));
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
      // Until a round finds nothing (a round of whole groups may publish less than a batch with more waiting).
      if (result.unpublished > 0 || result.published === 0) break;
    }
    await this.lease.release().catch(() => undefined);
  }

  /**
   * One round: when the chain is not synced (at start, after a failure), sync it on the oldest
   * unpublished events; then read a batch of unpublished events, publish it, record what was
   * acknowledged.
   */
  async publishRound(): Promise<RoundResult> {
    const share = await this.share();
    if (isEmptyShare(share)) return { published: 0, unpublished: 0 };
    const key = shareKeyOf(share);
    if (key !== this.shareKey) {
      this.chain.reset();
      this.shareKey = key;
    }
    let published = 0;
    if (!this.chain.synced) {
      if (!this.publisher.isConnected()) return { published: 0, unpublished: (await this.store.fetchUnpublished(1, [], share)).length };
      published += (await this.syncChain(share)).length;
      if (!this.chain.synced) return { published, unpublished: 0 };
    }
    const events = await this.store.fetchUnpublished(this.options.batchSize, [], share);
    if (events.length === 0) return { published, unpublished: 0 };
    if (!this.publisher.isConnected()) return { published, unpublished: events.length };
    const acknowledged = await this.record(await this.chain.send(events));
    const failure = this.chain.failed;
    if (failure !== undefined) {
      this.chain.reset();
      throw failure;
    }
    return { published: published + acknowledged.length, unpublished: events.length - acknowledged.length };
  }

  /**
   * The background loop: up to `pipelineDepth` batches in flight at once, so reading the next batch
   * and recording the last one overlap with publishing, and a commit's events go out at once, behind
   * those in flight. A new batch never holds a row already in flight, and goes out behind the earlier
   * ones on the chain. After a failure everything in flight settles, then the loop backs off, syncs
   * the chain again and resumes from the oldest unpublished row. When the share changes (a partition
   * moved to or from this replica), what is in flight settles first and the chain is synced anew on
   * the new share's oldest rows.
   */
  private async run(): Promise<void> {
    const inFlight = new Map<string, Promise<unknown>>();
    const positions = new Set<string>();
    let backoffMs = 0;
    while (this.running) {
      try {
        const share = await this.share();
        const key = shareKeyOf(share);
        // Another relay may have published meanwhile: where the stream ends must be asked again.
        if ((isEmptyShare(share) || key !== this.shareKey) && inFlight.size === 0) {
          this.chain.reset();
          this.shareKey = key;
        }
        const leased = !isEmptyShare(share) && key === this.shareKey;
        const ready = leased && this.publisher.isConnected();
        if (ready && !this.chain.synced && inFlight.size === 0 && (await this.syncChain(share)).length > 0 && !this.chain.synced) continue;
        if (ready && this.chain.synced && this.chain.failed === undefined && inFlight.size < this.options.pipelineDepth) {
          const batch = await this.store.fetchUnpublished(this.options.batchSize, [...positions], share);
          if (batch.length > 0) {
            const id = batch[0]!.position;
            for (const message of batch) positions.add(message.position);
            const round = this.chain.send(batch).then((acknowledged) => {
              // Progress: a failure after it (another replica's publish refused a batch) starts backing off anew.
              if (acknowledged.length > 0) backoffMs = 0;
              return this.record(acknowledged);
            }).finally(() => {
              for (const message of batch) positions.delete(message.position);
              inFlight.delete(id);
            });
            inFlight.set(id, round);
            // More may be waiting (a store of groups hands out whole ones, so a short batch does not mean
            // the queue is empty): read again while this one flies; an empty read ends the burst.
            continue;
          }
        }
        if (inFlight.size > 0) {
          // Until a batch settles or, with room in the pipeline, a commit appends more: it goes out
          // behind what is in flight instead of waiting for it.
          await this.settledOrWoken(inFlight.values(), inFlight.size < this.options.pipelineDepth);
          if (this.chain.failed === undefined) continue;
        }
        // The chain broke: seen just now, or while the loop was between batches (reading one, waiting
        // for the lease), when the last batch in flight failed and settled. Either way the catch lets
        // everything in flight settle, resets the chain and resyncs; left broken, it would send nothing again.
        if (this.chain.failed !== undefined) throw this.chain.failed;
        if (this.lastError) this.logger.info({}, "outbox relay recovered");
        this.lastError = undefined;
        backoffMs = ready ? 0 : nextBackoff(backoffMs, this.options.maxBackoffMs);
        await this.sleep(ready ? this.options.idleDelayMs : backoffMs, ready);
      } catch (error) {
        await Promise.allSettled(inFlight.values());
        this.chain.reset();
        // With jitter: relays of several replicas refused by each other's publishes try again apart.
        backoffMs = Math.round(nextBackoff(backoffMs, this.options.maxBackoffMs) * (0.5 + Math.random() / 2));
        this.observer.failed?.(error);
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastError) this.logger.warn({ err: message, retryInMs: backoffMs }, "outbox relay round failed");
        this.lastError = message;
        await this.sleep(backoffMs, false);
      }
    }
    // A batch that failed as the loop ended left the chain broken: reset it so stop()'s drain resyncs.
    await Promise.allSettled(inFlight.values());
    if (this.chain.failed !== undefined) this.chain.reset();
  }

  /**
   * Syncs the chain on the oldest unpublished events (as many as can be in flight at once, so all
   * whose acknowledgement a failure may have lost); records those the bus already holds.
   */
  private async syncChain(share: OutboxShare): Promise<OutboxMessage[]> {
    const head = await this.store.fetchUnpublished(this.options.batchSize * this.options.pipelineDepth, [], share);
    if (head.length === 0) return [];
    return this.record(await this.chain.sync(head));
  }

  /** What this relay may publish now. */
  private async share(): Promise<OutboxShare> {
    const held = await this.lease.acquire();
    return held === true ? "all" : held === false ? [] : held;
  }

  /** Removes acknowledged messages from the outbox's queue and reports them. */
  private async record(acknowledged: OutboxMessage[]): Promise<OutboxMessage[]> {
    await this.store.markPublished(acknowledged);
    if (acknowledged.length > 0) this.observer.published?.(acknowledged, this.clock.now());
    return acknowledged;
  }

  /** Waits for one of `rounds` to settle or, when `wakeable`, for a wake-up (one already pending counts). */
  private async settledOrWoken(rounds: Iterable<Promise<unknown>>, wakeable: boolean): Promise<void> {
    if (wakeable && this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wakeUp = wakeable ? resolve : () => (this.running ? undefined : resolve());
      Promise.race(rounds).then(() => resolve(), () => resolve());
    });
    this.wakeUp = undefined;
    if (wakeable) this.woken = false;
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

function shareKeyOf(share: OutboxShare): string {
  return share === "all" ? "all" : share.join(",");
}

function nextBackoff(currentMs: number, maxMs: number): number {
  return Math.min(maxMs, currentMs === 0 ? 100 : currentMs * 2);
}
