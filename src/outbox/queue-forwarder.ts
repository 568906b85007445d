import type { Clock } from "../shared/clock.js";
import type { Lease } from "../shared/lease.port.js";
import type { Logger } from "../shared/logger.js";
import { PeriodicTask } from "../shared/periodic-task.js";
import { backoffMs, CallFailedError, type FailedAttempt } from "../shared/retries.js";

/** What a delivery tells its caller while it runs. */
export interface DeliveryHooks {
  /** Aborts the waits between attempts and any further attempt (shutdown); a request in flight finishes. */
  readonly signal: AbortSignal;
  /** Told of every failed attempt, the last one included. */
  attemptFailed(failure: FailedAttempt): void;
}

/** What the peer answered when it took a delivery. */
export interface Delivered {
  /** Attempts it took. */
  readonly attempts: number;
  /** The peer's acknowledgement (its answer's body), to keep; undefined when there is none to keep. */
  readonly acknowledgement?: string;
}

/** Port: the peer entries are delivered to; at-least-once, the peer dedupes by the entries' ids. */
export interface ForwardEndpoint<E> {
  /** Delivers `entries` as one request, retrying what may pass; throws `CallFailedError` when refused or out of attempts. */
  deliver(entries: readonly E[], hooks: DeliveryHooks): Promise<Delivered>;
}

/** Port: the undelivered entries, each kept (with its attempts and last error) until the peer acknowledged it. */
export interface ForwardQueue<E> {
  /** Up to `limit` entries to deliver, in delivery order. */
  undelivered(limit: number): Promise<E[]>;
  markDelivered(entries: readonly E[], delivered: Delivered, at: Date): Promise<void>;
  /** Records a delivery that failed: adds the attempts made and keeps the error, for operators. */
  recordFailure(entries: readonly E[], attempts: number, error: string): Promise<void>;
  /** Sets a refused entry aside with the reason (only with `refused: "park"`); it is not delivered until retried. */
  park?(entry: E, attempts: number, reason: string, at: Date): Promise<void>;
}

/** Tuning and words of a forwarder. */
export interface QueueForwarderOptions<E> {
  /** Entries per round trip to the queue (and per request, unless `onePerRequest`). */
  readonly batchSize: number;
  /** How often undelivered entries are looked for; also the first wait after a failed round. */
  readonly pollMs: number;
  /** Longest wait between rounds while deliveries keep failing. */
  readonly maxBackoffMs: number;
  /**
   * What a refusal (an answer that retrying will not change, a 4xx) does: `hold` keeps the batch at
   * the head of the queue (order holds for everything behind it); `park` sets that one entry aside
   * with its reason and goes on with the others.
   */
  readonly refused: "hold" | "park";
  /** Delivers each entry in a request of its own (so a refusal names one entry). */
  readonly onePerRequest: boolean;
  /** Entries of one key keep their order: after one is parked, the others of its key wait too. */
  readonly orderKey?: (entry: E) => string;
  /** Log fields naming a set of entries (`{ feedIds: "4-9" }`). */
  readonly describe: (entries: readonly E[]) => Record<string, unknown>;
  /** Log messages. */
  readonly words: { readonly attemptFailed: string; readonly recovered: string; readonly refused: string; readonly failed: string };
}

/** Hooks for metrics; every one optional. */
export interface QueueForwarderObserver {
  /** `entries` were acknowledged by the peer. */
  delivered?(entries: number): void;
  /** One attempt to deliver failed. */
  attemptFailed?(failure: FailedAttempt): void;
  /** A delivery failed this round: refused (`rejected`) or every attempt failed (`failed`). */
  batchFailed?(outcome: "failed" | "rejected"): void;
}

/**
 * Delivers a queue of entries written by the service's transactions (nothing is lost if it dies)
 * to a peer, in the background, on the one replica holding `lease`: reads the undelivered entries
 * in order and marks them delivered only after the peer acknowledged them. A delivery that fails
 * on every attempt (network, timeout, 429, 5xx) is recorded on its entries, reported, and tried
 * again from the same entry after a wait that doubles per failed round (with jitter, at least what
 * `Retry-After` asked). A refusal holds the queue or parks the entry (`options.refused`).
 * At-least-once: an entry acknowledged but not yet marked (a crash, a lost lease) is sent again.
 */
export class QueueForwarder<E> {
  private readonly task: PeriodicTask;
  private stopping = new AbortController();
  private failedRounds = 0;
  private nextRoundAtMs = 0;
  private lastError: string | undefined;

  constructor(
    name: string,
    private readonly queue: ForwardQueue<E>,
    private readonly endpoint: ForwardEndpoint<E>,
    private readonly lease: Lease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: QueueForwarderOptions<E>,
    private readonly observer: QueueForwarderObserver = {},
  ) {
    this.task = new PeriodicTask(name, options.pollMs, () => this.forward(), logger);
  }

  /** Starts forwarding in the background (the first round at once). */
  start(): void {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    this.task.start();
  }

  /** Stops after the request in flight (no further attempt or wait), then gives the lease up. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.task.stop();
    await this.lease.release().catch(() => undefined);
  }

  /** The last failure (a delivery or the database), or undefined when the last round succeeded. */
  get lastFailure(): string | undefined {
    return this.lastError;
  }

  /**
   * One round: while this process holds the lease, delivers the undelivered entries, batch after
   * batch, until none is left or a delivery fails. Skipped while waiting after a failed round.
   * Returns the entries delivered.
   */
  async forward(): Promise<number> {
    if (this.clock.now().getTime() < this.nextRoundAtMs) return 0;
    const { signal } = this.stopping;
    let delivered = 0;
    try {
      while (!signal.aborted && (await this.lease.acquire())) {
        const entries = await this.queue.undelivered(this.options.batchSize);
        if (entries.length === 0) break;
        const round = await this.deliverAll(entries, signal);
        delivered += round.delivered;
        if (round.stopped || entries.length < this.options.batchSize) break;
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    return delivered;
  }

  /** Delivers one batch from the queue, as one request or one per entry; stops at a failure. */
  private async deliverAll(entries: readonly E[], signal: AbortSignal): Promise<{ delivered: number; stopped: boolean }> {
    const requests = this.options.onePerRequest ? entries.map((entry) => [entry]) : [entries];
    const heldKeys = new Set<string>();
    let delivered = 0;
    for (const request of requests) {
      const key = this.options.orderKey?.(request[0]!);
      if (key !== undefined && heldKeys.has(key)) continue;
      const outcome = await this.deliver(request, signal);
      if (outcome === "stopped") return { delivered, stopped: true };
      if (outcome === "parked") {
        if (key !== undefined) heldKeys.add(key);
        continue;
      }
      await this.queue.markDelivered(request, outcome, this.clock.now());
      delivered += request.length;
      this.observer.delivered?.(request.length);
      if (this.lastError !== undefined) this.logger.info(this.options.describe(request), this.options.words.recovered);
      this.lastError = undefined;
      this.failedRounds = 0;
    }
    return { delivered, stopped: false };
  }

  /** Delivers one request: what the peer said, or `parked` (refused, set aside), or `stopped` (failed and recorded, or shutting down). */
  private async deliver(entries: readonly E[], signal: AbortSignal): Promise<Delivered | "parked" | "stopped"> {
    const named = this.options.describe(entries);
    try {
      return await this.endpoint.deliver(entries, {
        signal,
        attemptFailed: (failure) => {
          this.observer.attemptFailed?.(failure);
          this.logger.warn(
            { ...named, updates: entries.length, attempt: failure.attempt, kind: failure.kind, status: failure.status, retryInMs: failure.retryInMs, err: failure.message },
            this.options.words.attemptFailed,
          );
        },
      });
    } catch (error) {
      if (signal.aborted) return "stopped";
      if (!(error instanceof CallFailedError)) throw error;
      const { failure } = error;
      const outcome = error.retryable ? "failed" : "rejected";
      this.observer.batchFailed?.(outcome);
      if (outcome === "rejected" && this.options.refused === "park" && this.queue.park && entries.length === 1) {
        await this.queue.park(entries[0]!, failure.attempt, error.message, this.clock.now());
        this.logger.warn({ ...named, status: failure.status, err: error.message }, this.options.words.refused);
        return "parked";
      }
      await this.queue.recordFailure(entries, failure.attempt, error.message);
      this.failedRounds++;
      const waitMs = Math.max(backoffMs(this.failedRounds, this.options.pollMs, this.options.maxBackoffMs), failure.retryAfterMs ?? 0);
      this.nextRoundAtMs = this.clock.now().getTime() + waitMs;
      this.lastError = error.message;
      this.logger.warn(
        { ...named, updates: entries.length, outcome, attempts: failure.attempt, status: failure.status, nextRoundInMs: Math.round(waitMs), err: error.message },
        outcome === "rejected" ? this.options.words.refused : this.options.words.failed,
      );
      return "stopped";
    }
  }
}
