import type { DeliveryHooks } from "../../outbox/queue-forwarder.js";
import type { LegacyFeedEntry } from "./legacy-feed-queue.port.js";

export type { DeliveryHooks } from "../../outbox/queue-forwarder.js";

/**
 * Port: legacy's endpoint for the feed (HTTP mode of the legacy hand-off). Delivery is
 * at-least-once: a batch may arrive again (a retry after a lost answer, a crash before it was
 * marked delivered), and legacy dedupes by feed id.
 */
export interface LegacyEndpoint {
  /**
   * Delivers `entries` (in feed-id order) as one request, retrying failures that may pass; resolves
   * with the attempts it took once legacy acknowledged them. Throws `CallFailedError` when legacy
   * refused them or every attempt failed.
   */
  deliver(entries: readonly LegacyFeedEntry[], hooks: DeliveryHooks): Promise<number>;
}
