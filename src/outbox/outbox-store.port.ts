import type { OutboxMessage } from "./outbox-message.js";
import type { OutboxShare } from "./outbox-partition.js";

/** How far the relay is behind. */
export interface OutboxBacklog {
  /** Events committed but not yet acknowledged by the bus. */
  readonly count: number;
  /** When the oldest of them was committed; undefined when there are none. */
  readonly oldestAt: Date | undefined;
}

/** Port: the relay's view of the outbox. */
export interface OutboxStore {
  /**
   * About `limit` unpublished events, oldest first (per SKU, in the order they were committed),
   * leaving out those at `exclude` (positions already in flight). A store that keeps events in
   * groups (a transaction's) returns whole groups: at least one, and more than `limit` events only
   * when the first group alone holds more. Excluding a position excludes its group. With `share`
   * a list of partitions, only their events (see `outbox-partition.ts`); the whole outbox by default.
   */
  fetchUnpublished(limit: number, exclude: readonly string[], share?: OutboxShare): Promise<OutboxMessage[]>;
  /** Records that the bus acknowledged `messages`: they leave the outbox's queue. */
  markPublished(messages: readonly OutboxMessage[]): Promise<void>;
  /** The current backlog. */
  backlog(): Promise<OutboxBacklog>;
}
