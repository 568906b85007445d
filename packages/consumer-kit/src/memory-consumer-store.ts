import { recordId, type ConsumerStore, type ConsumerTransaction, type RecordPosition, type StoreChanges } from "./consumer-store.js";
import type { RecordKey } from "./message-types.js";

/** The effect handle of {@link MemoryConsumerStore}: in-memory changes staged until the batch commits. */
export interface MemoryEffect {
  /** Runs `change` when the transaction commits (never when it rolls back). */
  afterCommit(change: () => void): void;
}

interface ConsumerState {
  readonly seen: Map<string, Date>;
  readonly records: Map<string, RecordPosition>;
  position: number | undefined;
}

/**
 * {@link ConsumerStore} in process memory, for tests and for consumers whose own state is in memory
 * too (a cache rebuilt from the stream at start). Transactions of one store run one at a time; a
 * consumer stages its in-memory changes with `effect.afterCommit`, so a failed batch changes nothing.
 */
export class MemoryConsumerStore implements ConsumerStore<MemoryEffect> {
  private readonly consumers = new Map<string, ConsumerState>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly now: () => Date = () => new Date()) {}

  transaction<R>(consumer: string, work: (tx: ConsumerTransaction<MemoryEffect>) => Promise<R>): Promise<R> {
    const run = this.queue.then(() => this.run(consumer, work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async position(consumer: string): Promise<number | undefined> {
    return this.consumers.get(consumer)?.position;
  }

  async prune(consumer: string, before: Date): Promise<number> {
    const state = this.consumers.get(consumer);
    let pruned = 0;
    for (const [id, at] of state?.seen ?? []) {
      if (at < before) {
        state!.seen.delete(id);
        pruned++;
      }
    }
    return pruned;
  }

  private async run<R>(consumer: string, work: (tx: ConsumerTransaction<MemoryEffect>) => Promise<R>): Promise<R> {
    const state = this.state(consumer);
    const staged: Array<() => void> = [];
    let changes: StoreChanges | undefined;
    const tx: ConsumerTransaction<MemoryEffect> = {
      effect: { afterCommit: (change) => void staged.push(change) },
      seen: async (ids) => new Set(ids.filter((id) => state.seen.has(id))),
      records: async (keys: readonly RecordKey[]) => {
        const found = new Map<string, RecordPosition>();
        for (const key of keys) {
          const position = state.records.get(recordId(key));
          if (position) found.set(recordId(key), position);
        }
        return found;
      },
      save: async (batch) => {
        for (const { id } of batch.seen) if (state.seen.has(id)) throw new Error(`message ${id} was applied by another delivery first`);
        changes = batch;
      },
    };
    const result = await work(tx);
    if (changes) {
      const at = this.now();
      for (const { id } of changes.seen) state.seen.set(id, at);
      for (const { key, position } of changes.records) state.records.set(recordId(key), position);
      state.position = Math.max(state.position ?? 0, changes.streamSequence);
    }
    for (const change of staged) change();
    return result;
  }

  private state(consumer: string): ConsumerState {
    let state = this.consumers.get(consumer);
    if (!state) {
      state = { seen: new Map(), records: new Map(), position: undefined };
      this.consumers.set(consumer, state);
    }
    return state;
  }
}
