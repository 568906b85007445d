import type { Clock } from "../../shared/clock.js";
import type { Lease } from "../../shared/lease.port.js";
import type { Logger } from "../../shared/logger.js";
import { PeriodicTask } from "../../shared/periodic-task.js";
import { backoffMs, CallFailedError, type FailedAttempt } from "../../shared/retries.js";
import type { LegacyEndpoint } from "./legacy-endpoint.port.js";
import type { LegacyFeedEntry, LegacyFeedQueue } from "./legacy-feed-queue.port.js";

/** Tuning of the forwarder. */
export interface LegacyForwarderOptions {
  /** Feed rows per delivery (one request). */
  readonly batchSize: number;
  /** How often undelivered rows are looked for; also the first wait after a failed round. */
  readonly pollMs: number;
  /** Longest wait between rounds while deliveries keep failing. */
  readonly maxBackoffMs: number;
}

/** Hooks for metrics; every one optional. */
export interface LegacyForwarderObserver {
  /** `updates` feed rows were acknowledged by legacy. */
  delivered?(updates: number): void;
  /** One attempt to deliver a batch failed. */
  attemptFailed?(failure: FailedAttempt): void;
  /** A batch was not delivered this round: legacy refused it (`rejected`) or every attempt failed (`failed`). */
  batchFailed?(outcome: "failed" | "rejected"): void;
}

/**
 * Delivers the legacy feed to legacy's endpoint (HTTP mode of the legacy hand-off). The routing
 * transaction wrote each row (nothing is lost if the service dies); this background job, on the one
 * replica holding `lease`, reads the undelivered rows lowest feed id first and delivers them a batch
 * per request, marking a batch delivered only after legacy acknowledged it. A batch that fails is
 * recorded on its rows (attempts, last error), reported, and tried again from the same row after a
 * wait that doubles per failed round (with jitter, at least what `Retry-After` asked), so one refused
 * batch holds up the rows behind it (order holds) without hammering legacy. At-least-once: a batch
 * acknowledged but not yet marked (a crash, a lost lease) is delivered again.
 */
export class LegacyForwarder {
  private readonly task: PeriodicTask;
  private stopping = new AbortController();
  private failedRounds = 0;
  private nextRoundAtMs = 0;
  private lastError: string | undefined;

  constructor(
    private readonly queue: LegacyFeedQueue,
    private readonly endpoint: LegacyEndpoint,
    private readonly lease: Lease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: LegacyForwarderOptions,
    private readonly observer: LegacyForwarderObserver = {},
  ) {
    this.task = new PeriodicTask("legacy forwarder", options.pollMs, () => this.forward(), logger);
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
   * One round: while this process holds the lease, delivers batch after batch of undelivered rows
   * until none is left or one fails. Skipped while waiting after a failed round. Returns the rows
   * delivered.
   */
  async forward(): Promise<number> {
    if (this.clock.now().getTime() < this.nextRoundAtMs) return 0;
    const { signal } = this.stopping;
    let delivered = 0;
    try {
      while (!signal.aborted && (await this.lease.acquire())) {
        const entries = await this.queue.undelivered(this.options.batchSize);
        if (entries.length === 0) break;
        const attempts = await this.deliver(entries, signal);
        if (attempts === undefined) break;
        await this.queue.markDelivered(feedIds(entries), attempts, this.clock.now());
        delivered += entries.length;
        this.observer.delivered?.(entries.length);
        if (this.lastError !== undefined) this.logger.info({ feedIds: span(entries) }, "legacy feed delivery recovered");
        this.lastError = undefined;
        this.failedRounds = 0;
        if (entries.length < this.options.batchSize) break;
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    return delivered;
  }

  /** Delivers one batch; the attempts it took, or undefined when it failed (recorded) or the forwarder stops. */
  private async deliver(entries: readonly LegacyFeedEntry[], signal: AbortSignal): Promise<number | undefined> {
    const feedIdSpan = span(entries);
    try {
      return await this.endpoint.deliver(entries, {
        signal,
        attemptFailed: (failure) => {
          this.observer.attemptFailed?.(failure);
          this.logger.warn(
            { feedIds: feedIdSpan, updates: entries.length, attempt: failure.attempt, kind: failure.kind, status: failure.status, retryInMs: failure.retryInMs, err: failure.message },
            "legacy feed delivery attempt failed",
          );
        },
      });
    } catch (error) {
      if (signal.aborted) return undefined;
      if (!(error instanceof CallFailedError)) throw error;
      const { failure } = error;
      await this.queue.recordFailure(feedIds(entries), failure.attempt, error.message);
      this.failedRounds++;
      const waitMs = Math.max(backoffMs(this.failedRounds, this.options.pollMs, this.options.maxBackoffMs), failure.retryAfterMs ?? 0);
      this.nextRoundAtMs = this.clock.now().getTime() + waitMs;
      this.lastError = error.message;
      const outcome = error.retryable ? "failed" : "rejected";
      this.observer.batchFailed?.(outcome);
      this.logger.warn(
        { feedIds: feedIdSpan, updates: entries.length, outcome, attempts: failure.attempt, status: failure.status, nextRoundInMs: Math.round(waitMs), err: error.message },
        outcome === "rejected" ? "legacy endpoint refused a feed batch; it is held and tried again later" : "legacy feed batch not delivered; tried again later",
      );
      return undefined;
    }
  }
}

function feedIds(entries: readonly LegacyFeedEntry[]): bigint[] {
  return entries.map((entry) => entry.feedId);
}

/** `first-last` feed ids of a batch, for logs. */
function span(entries: readonly LegacyFeedEntry[]): string {
  return `${entries[0]!.feedId}-${entries.at(-1)!.feedId}`;
}
