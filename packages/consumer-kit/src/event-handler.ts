import type { ContinuityIssue } from "./continuity.js";
import type { DeadLetter } from "./dead-letter.js";
import type { ReceivedMessage } from "./decode.js";
import type { RecordState } from "./healing-sources.js";

/**
 * What a consumer does with what it receives. Every callback runs inside the batch's store
 * transaction and writes through `effect` (for {@link PostgresConsumerStore}, the pg client of that
 * transaction), so its effects commit together with the kit's record of them: exactly once.
 */
export interface EventHandler<Effect> {
  /** Applies one message (each id once; per record in version order). */
  apply(effect: Effect, received: ReceivedMessage): Promise<void> | void;
  /** Replaces a record by its current state, when a gap was healed by fetching it. Required when a state source is configured. */
  applyState?(effect: Effect, state: RecordState): Promise<void> | void;
  /** Takes note of a message that cannot be applied; it is then terminated on the stream. */
  deadLetter?(effect: Effect, letter: DeadLetter): Promise<void> | void;
  /** Takes note of a gap (after healing it) or a step back (skipped) in a record's versions. */
  continuity?(effect: Effect, issue: ContinuityIssue): Promise<void> | void;
}

/** A consumer's handler threw (as opposed to the store or the stream failing). */
export class HandlerError extends Error {
  override readonly name = "HandlerError";

  constructor(
    readonly streamSequence: number,
    override readonly cause: unknown,
  ) {
    super(`the consumer's handler failed on stream sequence ${streamSequence}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
