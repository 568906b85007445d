import type { RecordKey } from "./message-types.js";
import type { RawMessage } from "./raw-message.js";

/** A stock record's current state, as the service answers `GetInventory` for it. */
export interface RecordState extends RecordKey {
  readonly onHand: bigint;
  readonly reserved: bigint;
  readonly available: bigint;
  readonly damaged: bigint;
  readonly qualityHold: bigint;
  /** The version the state is at. */
  readonly version: bigint;
}

/** Port: the current state of a stock record (the service's `GetInventory`). */
export interface RecordStateSource {
  /** The record's state now, or undefined when the service has no such record. */
  current(record: RecordKey): Promise<RecordState | undefined>;
}

/** Port: messages of the stream re-read by subject and sequence (the events a gap is missing). */
export interface MissingEventSource {
  /** The messages on `subjectFilter` with a stream sequence above `afterSequence` and below `beforeSequence`, in stream order. */
  read(subjectFilter: string, afterSequence: number, beforeSequence: number): Promise<RawMessage[]>;
}
