import type { RecordKey } from "./message-types.js";

/** Where a consumer stands on one stock record. */
export interface RecordPosition {
  /** The last version applied. */
  readonly version: bigint;
  /** The id of the last message applied to it ("" when the version came from a fetched state). */
  readonly eventId: string;
  /** The stream sequence of that message (of the message that revealed the gap, for a fetched state). */
  readonly streamSequence: number;
  /** True when the version came from the record's current state (a healed gap) rather than an event. */
  readonly fromState: boolean;
}

/** What a batch changes in the store, written in the same transaction as the consumer's effects. */
export interface StoreChanges {
  /** Message ids applied (or dead-lettered), with their stream sequence. */
  readonly seen: ReadonlyArray<{ readonly id: string; readonly streamSequence: number }>;
  /** The records' new positions. */
  readonly records: ReadonlyArray<{ readonly key: RecordKey; readonly position: RecordPosition }>;
  /** The highest stream sequence of the batch. */
  readonly streamSequence: number;
}

/** One transaction of a consumer store: the consumer's effect and the kit's bookkeeping commit together. */
export interface ConsumerTransaction<Effect> {
  /** What the consumer's handlers write through (a pg client inside the transaction, …). */
  readonly effect: Effect;
  /** Which of `ids` this consumer has already applied. */
  seen(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /** The positions of `keys` this consumer holds, by {@link recordId}; locks them until the transaction ends. */
  records(keys: readonly RecordKey[]): Promise<ReadonlyMap<string, RecordPosition>>;
  /** Records the batch's changes (fails if another delivery of one of its ids committed first). */
  save(changes: StoreChanges): Promise<void>;
}

/**
 * Port: where a consumer keeps the event ids it has applied, each record's last version and its
 * stream position, in the same transaction as its own effects, so an effect happens exactly once.
 */
export interface ConsumerStore<Effect> {
  /** Runs `work` in one transaction of `consumer`'s state; commits when it resolves, rolls back when it throws. */
  transaction<R>(consumer: string, work: (tx: ConsumerTransaction<Effect>) => Promise<R>): Promise<R>;
  /** The highest stream sequence `consumer` has committed, or undefined before its first batch. */
  position(consumer: string): Promise<number | undefined>;
  /** Forgets ids seen before `before` (the dedupe window); returns how many. Versions and positions stay. */
  prune(consumer: string, before: Date): Promise<number>;
}

/** A record's key as one string (SKU and location cannot contain NUL). */
export function recordId(key: RecordKey): string {
  return `${key.sku}\u0000${key.locationId}`;
}
