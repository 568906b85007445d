import type { ContinuityIssue } from "../src/continuity.js";
import type { DeadLetter } from "../src/dead-letter.js";
import { isInventoryEvent, type ReceivedMessage } from "../src/decode.js";
import type { EventHandler } from "../src/event-handler.js";
import type { RecordState } from "../src/healing-sources.js";
import type { MemoryEffect } from "../src/memory-consumer-store.js";

/**
 * A consumer that keeps, in memory and only on commit, what it was handed: each applied message's
 * id and the on_hand per record it implies, the states, dead letters and continuity issues.
 */
export class RecordingHandler implements EventHandler<MemoryEffect> {
  readonly applied: string[] = [];
  readonly onHand = new Map<string, bigint>();
  readonly states: RecordState[] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly issues: ContinuityIssue[] = [];
  /** Stream sequences the handler throws on. */
  readonly failOn = new Set<number>();

  apply(effect: MemoryEffect, received: ReceivedMessage): void {
    if (this.failOn.has(received.streamSequence)) throw new Error(`cannot apply sequence ${received.streamSequence}`);
    effect.afterCommit(() => {
      this.applied.push(received.id);
      if (isInventoryEvent(received)) this.onHand.set(`${received.message.sku}/${received.message.locationId}`, received.message.after?.onHand ?? 0n);
    });
  }

  applyState(effect: MemoryEffect, state: RecordState): void {
    effect.afterCommit(() => {
      this.states.push(state);
      this.onHand.set(`${state.sku}/${state.locationId}`, state.onHand);
    });
  }

  deadLetter(effect: MemoryEffect, letter: DeadLetter): void {
    effect.afterCommit(() => void this.deadLetters.push(letter));
  }

  continuity(effect: MemoryEffect, issue: ContinuityIssue): void {
    effect.afterCommit(() => void this.issues.push(issue));
  }
}
