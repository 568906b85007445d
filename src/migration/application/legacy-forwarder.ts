import type { Clock } from "../../shared/clock.js";
import type { Lease } from "../../shared/lease.port.js";
import type { Logger } from "../../shared/logger.js";
import { QueueForwarder, type QueueForwarderObserver } from "../../outbox/queue-forwarder.js";
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
export type LegacyForwarderObserver = QueueForwarderObserver;

/**
 * Delivers the legacy feed to legacy's endpoint (HTTP mode of the legacy hand-off): a
 * {@link QueueForwarder} over the feed. The routing transaction wrote each row (nothing is lost if
 * the service dies); on the one replica holding `lease`, the undelivered rows go lowest feed id
 * first, a batch per request, marked delivered only after legacy acknowledged them. A batch that
 * fails is recorded on its rows and tried again from the same row after a growing wait; a refused
 * batch is held too, so it holds up the rows behind it (order holds). At-least-once: legacy dedupes
 * by feed id.
 */
export class LegacyForwarder extends QueueForwarder<LegacyFeedEntry> {
  constructor(queue: LegacyFeedQueue, endpoint: LegacyEndpoint, lease: Lease, clock: Clock, logger: Logger, options: LegacyForwarderOptions, observer: LegacyForwarderObserver = {}) {
    super(
      "legacy forwarder",
      {
        undelivered: (limit) => queue.undelivered(limit),
        markDelivered: (entries, delivered, at) => queue.markDelivered(feedIds(entries), delivered.attempts, at),
        recordFailure: (entries, attempts, error) => queue.recordFailure(feedIds(entries), attempts, error),
      },
      { deliver: async (entries, hooks) => ({ attempts: await endpoint.deliver(entries, hooks) }) },
      lease,
      clock,
      logger,
      {
        ...options,
        refused: "hold",
        onePerRequest: false,
        describe: (entries) => ({ feedIds: span(entries) }),
        words: {
          attemptFailed: "legacy feed delivery attempt failed",
          recovered: "legacy feed delivery recovered",
          refused: "legacy endpoint refused a feed batch; it is held and tried again later",
          failed: "legacy feed batch not delivered; tried again later",
        },
      },
      observer,
    );
  }
}

function feedIds(entries: readonly LegacyFeedEntry[]): bigint[] {
  return entries.map((entry) => entry.feedId);
}

/** `first-last` feed ids of a batch, for logs. */
function span(entries: readonly LegacyFeedEntry[]): string {
  return `${entries[0]!.feedId}-${entries.at(-1)!.feedId}`;
}
