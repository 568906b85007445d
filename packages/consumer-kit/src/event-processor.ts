import { recordId, type ConsumerStore, type ConsumerTransaction, type RecordPosition } from "./consumer-store.js";
import { judgeVersion, type ContinuityIssue, type FirstSight, type Healing } from "./continuity.js";
import { deadLetter, type DeadLetter } from "./dead-letter.js";
import { decodeMessage, type ReceivedMessage } from "./decode.js";
import { HandlerError, type EventHandler } from "./event-handler.js";
import type { MissingEventSource, RecordStateSource } from "./healing-sources.js";
import { defaultRegistry, type MessageRegistry } from "./message-registry.js";
import type { RecordKey, VersionedRecord } from "./message-types.js";
import type { RawMessage } from "./raw-message.js";
import { recordSubjectFilter } from "./subjects.js";

/** Settings of an {@link EventProcessor}. */
export interface EventProcessorOptions<Effect> {
  /** The consumer's name in the store (use the durable consumer's name). */
  readonly consumer: string;
  readonly store: ConsumerStore<Effect>;
  readonly handler: EventHandler<Effect>;
  /** The message types decoded (default: {@link defaultRegistry}). */
  readonly registry?: MessageRegistry;
  /** How the first message of a record is judged (default `require-version-1`). */
  readonly firstSight?: FirstSight;
  /** Where a gap is healed from: the missing events first, then the record's current state. */
  readonly heal?: { readonly events?: MissingEventSource; readonly state?: RecordStateSource };
  /** Deliveries of a message the handler throws on before it becomes a `handler-failed` dead letter (default 5). */
  readonly maxDeliveries?: number;
}

/** What became of one message of a batch: acknowledged, terminated (a dead letter) or to be delivered again. */
export type MessageOutcome = "ack" | "term" | "retry";

/** What a batch did. */
export interface BatchResult {
  /** Each message's outcome, by stream sequence. */
  readonly outcomes: Map<number, MessageOutcome>;
  applied: number;
  duplicates: number;
  readonly deadLetters: DeadLetter[];
  readonly issues: ContinuityIssue[];
  /** Errors of messages left for redelivery. */
  readonly errors: unknown[];
}

interface BatchState<Effect> {
  readonly tx: ConsumerTransaction<Effect>;
  readonly seen: Set<string>;
  readonly positions: Map<string, RecordPosition>;
  readonly changed: Map<string, { key: RecordKey; position: RecordPosition }>;
  readonly newlySeen: Array<{ id: string; streamSequence: number }>;
  readonly result: BatchResult;
}

/**
 * The kit's core, independent of the stream client: decodes a batch of messages, reports dead
 * letters, drops ids already applied, checks each record's versions (healing gaps from the missing
 * events or the record's state) and hands the rest to the handler, all in one store transaction.
 * When the batch fails it is retried message by message, so one bad message holds up only itself.
 */
export class EventProcessor<Effect> {
  private readonly registry: MessageRegistry;
  private readonly firstSight: FirstSight;
  private readonly maxDeliveries: number;

  constructor(private readonly options: EventProcessorOptions<Effect>) {
    this.registry = options.registry ?? defaultRegistry();
    this.firstSight = options.firstSight ?? "require-version-1";
    this.maxDeliveries = options.maxDeliveries ?? 5;
    if (options.heal?.state && !options.handler.applyState) throw new Error("a state source is configured for healing, but the handler has no applyState");
  }

  /** Forgets ids seen before `before` (the end of the dedupe window); returns how many. */
  prune(before: Date): Promise<number> {
    return this.options.store.prune(this.options.consumer, before);
  }

  /** Processes `batch` (in stream order); the outcomes say what to acknowledge, terminate or leave for redelivery. */
  async process(batch: readonly RawMessage[]): Promise<BatchResult> {
    if (batch.length === 0) return emptyResult();
    try {
      return await this.processTogether(batch);
    } catch (error) {
      if (batch.length === 1) return this.failedAlone(batch[0]!, error);
    }
    const result = emptyResult();
    for (const raw of batch) {
      let one: BatchResult;
      try {
        one = await this.processTogether([raw]);
      } catch (error) {
        one = await this.failedAlone(raw, error);
      }
      merge(result, one);
    }
    return result;
  }

  private async failedAlone(raw: RawMessage, error: unknown): Promise<BatchResult> {
    if (!(error instanceof HandlerError) || raw.deliveryCount < this.maxDeliveries) {
      const result = emptyResult();
      result.outcomes.set(raw.streamSequence, "retry");
      result.errors.push(error);
      return result;
    }
    const detail = `the handler failed on each of ${raw.deliveryCount} deliveries, last: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`;
    const letter = deadLetter("handler-failed", detail, raw);
    return this.options.store.transaction(this.options.consumer, async (tx) => {
      const result = emptyResult();
      await this.options.handler.deadLetter?.(tx.effect, letter);
      await tx.save({ seen: [], records: [], streamSequence: raw.streamSequence });
      result.deadLetters.push(letter);
      result.outcomes.set(raw.streamSequence, "term");
      return result;
    });
  }

  private processTogether(batch: readonly RawMessage[]): Promise<BatchResult> {
    const decoded = batch.map((raw) => decodeMessage(raw, this.registry));
    return this.options.store.transaction(this.options.consumer, async (tx) => {
      const received = decoded.flatMap((d) => (d.ok ? [d.received] : []));
      const keys = uniqueKeys(received.flatMap((r) => (r.record ? [r.record] : [])));
      // Records first: that locks them, so ids another process applied to them are seen below.
      const positions = new Map(await tx.records(keys));
      const state: BatchState<Effect> = {
        tx,
        seen: new Set(await tx.seen(received.map((r) => r.id))),
        positions,
        changed: new Map(),
        newlySeen: [],
        result: emptyResult(),
      };
      for (const [index, item] of decoded.entries()) {
        const raw = batch[index]!;
        if (!item.ok) {
          await this.call(raw, () => this.options.handler.deadLetter?.(tx.effect, item.deadLetter));
          state.result.deadLetters.push(item.deadLetter);
          state.result.outcomes.set(raw.streamSequence, "term");
          continue;
        }
        await this.handle(state, item.received, true);
        state.result.outcomes.set(raw.streamSequence, "ack");
      }
      await tx.save({ seen: state.newlySeen, records: [...state.changed.values()], streamSequence: Math.max(...batch.map((r) => r.streamSequence)) });
      return state.result;
    });
  }

  private async handle(state: BatchState<Effect>, received: ReceivedMessage, mayHeal: boolean): Promise<void> {
    if (state.seen.has(received.id)) {
      state.result.duplicates++;
      return;
    }
    const record = received.record;
    if (!record) {
      await this.apply(state, received);
      return;
    }
    const last = state.positions.get(recordId(record));
    const verdict = judgeVersion(last, record, received.id, this.firstSight);
    switch (verdict.kind) {
      case "apply":
        await this.apply(state, received);
        return;
      case "duplicate":
        state.result.duplicates++;
        this.markSeen(state, received);
        return;
      case "step-back":
        await this.report(state, received, { kind: "step-back", ...issueOf(record, last, received) });
        return;
      case "gap": {
        if (!mayHeal) {
          // A re-read event that does not continue the record: the gap is not healed by events.
          return;
        }
        const healing = await this.heal(state, received, record, last);
        await this.report(state, received, { kind: "gap", ...issueOf(record, last, received), healing });
        const now = state.positions.get(recordId(record));
        const after = judgeVersion(now, record, received.id, this.firstSight);
        // Covered by a fetched state: skip it; otherwise (healed, or not healable) it is applied.
        if (after.kind !== "duplicate") await this.apply(state, received);
        else {
          state.result.duplicates++;
          this.markSeen(state, received);
        }
        return;
      }
    }
  }

  private async heal(state: BatchState<Effect>, received: ReceivedMessage, record: VersionedRecord, last: RecordPosition | undefined): Promise<Healing> {
    const key = recordId(record);
    const { events, state: source } = this.options.heal ?? {};
    if (events) {
      const raws = await events.read(recordSubjectFilter(received.subject), last?.streamSequence ?? 0, received.streamSequence);
      const missing = raws
        .map((raw) => decodeMessage(raw, this.registry))
        .flatMap((d) => (d.ok && d.received.record && recordId(d.received.record) === key ? [d.received] : []));
      for (const id of await state.tx.seen(missing.map((m) => m.id).filter((id) => !state.seen.has(id)))) state.seen.add(id);
      for (const event of missing) await this.handle(state, event, false);
      if (judgeVersion(state.positions.get(key), record, received.id, this.firstSight).kind === "apply") return "events";
    }
    if (source) {
      const current = await source.current(record);
      if (current && current.version >= (state.positions.get(key)?.version ?? 0n)) {
        await this.call(received, () => this.options.handler.applyState!(state.tx.effect, current));
        this.move(state, record, { version: current.version, eventId: "", streamSequence: received.streamSequence, fromState: true });
        return "state";
      }
    }
    return "none";
  }

  private async apply(state: BatchState<Effect>, received: ReceivedMessage): Promise<void> {
    await this.call(received, () => this.options.handler.apply(state.tx.effect, received));
    state.result.applied++;
    this.markSeen(state, received);
    if (received.record) {
      this.move(state, received.record, { version: received.record.version, eventId: received.id, streamSequence: received.streamSequence, fromState: false });
    }
  }

  private markSeen(state: BatchState<Effect>, received: ReceivedMessage): void {
    if (state.seen.has(received.id)) return;
    state.seen.add(received.id);
    state.newlySeen.push({ id: received.id, streamSequence: received.streamSequence });
  }

  private move(state: BatchState<Effect>, key: RecordKey, position: RecordPosition): void {
    const id = recordId(key);
    state.positions.set(id, position);
    state.changed.set(id, { key: { sku: key.sku, locationId: key.locationId }, position });
  }

  private async report(state: BatchState<Effect>, received: ReceivedMessage, issue: ContinuityIssue): Promise<void> {
    await this.call(received, () => this.options.handler.continuity?.(state.tx.effect, issue));
    state.result.issues.push(issue);
  }

  private async call(raw: { readonly streamSequence: number }, work: () => Promise<void> | void): Promise<void> {
    try {
      await work();
    } catch (error) {
      throw new HandlerError(raw.streamSequence, error);
    }
  }
}

function issueOf(record: VersionedRecord, last: RecordPosition | undefined, received: ReceivedMessage) {
  return {
    record: { sku: record.sku, locationId: record.locationId },
    lastVersion: last?.version ?? 0n,
    version: record.version,
    eventId: received.id,
    streamSequence: received.streamSequence,
  };
}

function uniqueKeys(records: readonly RecordKey[]): RecordKey[] {
  const keys = new Map<string, RecordKey>();
  for (const r of records) keys.set(recordId(r), { sku: r.sku, locationId: r.locationId });
  return [...keys.values()];
}

function emptyResult(): BatchResult {
  return { outcomes: new Map(), applied: 0, duplicates: 0, deadLetters: [], issues: [], errors: [] };
}

function merge(into: BatchResult, from: BatchResult): void {
  for (const [seq, outcome] of from.outcomes) into.outcomes.set(seq, outcome);
  into.applied += from.applied;
  into.duplicates += from.duplicates;
  into.deadLetters.push(...from.deadLetters);
  into.issues.push(...from.issues);
  into.errors.push(...from.errors);
}
