import type { Knex } from "knex";
import type { EventCause, InventoryEvent } from "../../inventory/domain/inventory-event.js";
import type { EventEncoder } from "../../outbox/event-encoder.port.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import { outboxPartition, type OutboxShare } from "../../outbox/outbox-partition.js";
import type { OutboxBacklog, OutboxStore } from "../../outbox/outbox-store.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction, onCommit } from "./knex-unit-of-work.js";
import { RouteDocuments } from "./route-documents.js";
import { bindings, toDate } from "./row-values.js";
import { rowSet } from "./row-set.js";
import { decodeChunk, encodeChunk, type OutboxFrame } from "./outbox-frames.js";

interface ChunkRow {
  id: string;
  sent: number;
  trace_context: string | null;
  messages: Uint8Array;
}

/** How the outbox is wired. */
export interface EventOutboxOptions {
  /** Called after a transaction that appended events commits (wakes the relay). */
  readonly onAppended?: () => void;
  /** The trace context to store with appended events (tracing on), or none. */
  readonly activeTraceparent?: () => string | undefined;
  /** Most events in one row of the relay's queue: the relay's batch size, so a batch is whole rows. */
  readonly chunkEvents?: number;
  /** Number of outbox partitions (`RELAY_PARTITIONS`; 1 by default): a row holds events of one partition. */
  readonly partitions?: number;
  /** Vacuum the queue after about this many of its rows were deleted (`OUTBOX_VACUUM_ROWS`; 0: never, autovacuum's job). */
  readonly vacuumEveryRows?: number;
  /** Called when such a vacuum failed (the queue works on; the next one is tried after as many rows again). */
  readonly onVacuumError?: (error: unknown) => void;
}

/**
 * The outbox: each event is appended, in the transaction of its change, to the ledger
 * (`inventory_events`, queryable in SQL, kept) and, encoded for the bus, to the relay's queue
 * (`outbox_chunks`: a row per chunk of up to `chunkEvents` of the transaction's events, framed in
 * one `bytea`, see `outbox-frames.ts`; deleted once JetStream acknowledged all of it, the acknowledgement
 * time of WMS-caused events kept in `outbox_acknowledgements` for the scorecard). Rows take
 * their ids after the transaction's stock rows are locked, so a later change of a SKU is in a later
 * row: id order is commit order per SKU. With tracing on, both keep the `traceparent` active when
 * the events were appended (one value per statement: no per-event work).
 */
export class KnexEventOutbox implements EventOutbox, OutboxStore {
  private readonly onAppended: () => void;
  private readonly activeTraceparent: () => string | undefined;
  private readonly chunkEvents: number;
  private readonly partitions: number;
  private readonly vacuumEveryRows: number;
  private readonly onVacuumError: (error: unknown) => void;
  private deletedSinceVacuum = 0;
  private vacuuming: Promise<void> | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly encode: EventEncoder,
    options: EventOutboxOptions = {},
  ) {
    this.onAppended = options.onAppended ?? (() => undefined);
    this.activeTraceparent = options.activeTraceparent ?? (() => undefined);
    this.chunkEvents = options.chunkEvents ?? 1000;
    this.partitions = options.partitions ?? 1;
    this.vacuumEveryRows = options.vacuumEveryRows ?? 0;
    this.onVacuumError = options.onVacuumError ?? (() => undefined);
  }

  async append(tx: Transaction, events: readonly InventoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One statement: the ledger rows as a row set (see row-set.ts), and the queue's rows, each one binary parameter.
    const routes = new RouteDocuments();
    const trx = knexTransaction(tx);
    const rows = rowSet(trx, "e", LEDGER_COLUMNS, events.map((event, i) => toRow(event, i, routes)));
    const traceparent = this.activeTraceparent() ?? null;
    // A row per chunk of each partition's events (in the transaction's order), partitions in order of first appearance.
    const byPartition = new Map<number, InventoryEvent[]>();
    for (const event of events) {
      const partition = outboxPartition(event.sku, event.locationId, this.partitions);
      let group = byPartition.get(partition);
      if (!group) byPartition.set(partition, (group = []));
      group.push(event);
    }
    const chunks: Array<[number, string, string | null, Buffer, number]> = [];
    for (const [partition, group] of byPartition) {
      for (let first = 0; first < group.length; first += this.chunkEvents) {
        const chunk = group.slice(first, first + this.chunkEvents);
        chunks.push([chunk.length, chunk[0]!.occurredAt.toISOString(), traceparent, encodeChunk(chunk.map((event) => this.frame(event))), partition]);
      }
    }
    await trx.raw(
      `WITH e AS (SELECT * FROM ${rows.from}),
       ledger AS (
         INSERT INTO inventory_events (event_id, type, sku, location_id, delta, source, "timestamp", before_on_hand,
           before_reserved, after_on_hand, after_reserved, version, cause, non_sellable, path, routing, trace_context)
         SELECT id::uuid, type, sku, loc, delta, source, ts, boh, bres, aoh, ares, version, cause, non_sellable, path, (?::jsonb) -> ri, ?::text
         FROM e ORDER BY i)
       INSERT INTO outbox_chunks (events, committed_at, trace_context, messages, relay_partition)
       VALUES ${chunks.map(() => "(?::int, ?::timestamptz, ?::text, ?::bytea, ?::int)").join(", ")}`,
      [...rows.bindings, routes.toJson(), traceparent, ...chunks.flat()],
    );
    onCommit(tx, this.onAppended);
  }

  /**
   * Whole rows of the queue, oldest first, as many as hold at most `limit` events together (at
   * least one row, so more than `limit` only when the first alone holds more); a row's messages
   * from the first one not yet acknowledged. Positions are `rowId.index`. Batches of `limit` in
   * flight are thus a prefix of what a fetch of their sum returns, so the relay's sync sees them all.
   * With a list of partitions, only their rows; rows queued before partitioning (partition -1) go
   * to the holder of partition 0, and before them no partitioned row goes out.
   */
  async fetchUnpublished(limit: number, exclude: readonly string[], share: OutboxShare = "all"): Promise<OutboxMessage[]> {
    const excluded = [...new Set(exclude.map((position) => position.slice(0, position.indexOf("."))))];
    const partitions = share === "all" ? null : [...share];
    const inShare =
      partitions === null
        ? ""
        : ` AND (relay_partition = ANY(?::int[]) OR (relay_partition = -1 AND 0 = ANY(?::int[])))
            AND (relay_partition = -1 OR NOT EXISTS (SELECT 1 FROM outbox_chunks WHERE relay_partition = -1))`;
    // Rows in flight are left out by a hashed set (`<> ALL` compared each row with every one of them).
    const { rows } = await this.knex.raw<{ rows: ChunkRow[] }>(
      // Ordered by the bigint, not by its text (which puts 100 before 99).
      `SELECT counted.id::text AS id, sent, trace_context, messages
       FROM (SELECT id, sent, trace_context, messages, events - sent AS unsent, sum(events - sent) OVER (ORDER BY id) AS upto
             FROM (SELECT * FROM outbox_chunks WHERE id NOT IN (SELECT unnest(?::bigint[]))${inShare} ORDER BY id LIMIT ?) AS head) AS counted
       WHERE upto <= ? OR upto = unsent ORDER BY counted.id`,
      partitions === null ? bindings(excluded, limit, limit) : bindings(excluded, partitions, partitions, limit, limit),
    );
    const messages: OutboxMessage[] = [];
    for (const row of rows) {
      const bytes = Buffer.from(row.messages.buffer, row.messages.byteOffset, row.messages.byteLength);
      for (const frame of decodeChunk(bytes, row.sent)) {
        messages.push({
          position: `${row.id}.${frame.index}`,
          eventId: frame.eventId,
          type: frame.type,
          sku: frame.sku,
          payload: frame.payload,
          committedAt: new Date(frame.committedMs),
          observedAt: frame.observedMs === undefined ? undefined : new Date(frame.observedMs),
          traceContext: row.trace_context ?? undefined,
        });
      }
    }
    return messages;
  }

  /**
   * A row goes once all its messages are acknowledged; otherwise `sent` moves past those acknowledged
   * right after it (the bus stores an unbroken prefix of what was sent, so they are the ones
   * acknowledged; any others wait for the next round, where the bus's dedupe drops them).
   */
  async markPublished(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const acknowledged = acknowledgedRuns(messages);
    // The acknowledgement time of the events a WMS update caused, for the scorecard's freshness (one row per call).
    const fromWms = messages.filter((m) => m.observedAt !== undefined).map((m) => m.eventId);
    const { rows } = await this.knex.raw<{ rows: Array<{ deleted: number }> }>(
      `WITH a AS (SELECT * FROM unnest(?::bigint[], ?::int[], ?::int[]) AS a(id, first, upto)),
       acked AS (INSERT INTO outbox_acknowledgements (acked_at, event_ids) SELECT clock_timestamp(), ids FROM (SELECT ?::uuid[] AS ids) AS x WHERE cardinality(ids) > 0),
       done AS (DELETE FROM outbox_chunks AS c USING a WHERE c.id = a.id AND c.sent = a.first AND a.upto >= c.events RETURNING 1),
       moved AS (UPDATE outbox_chunks AS c SET sent = a.upto FROM a WHERE c.id = a.id AND c.sent = a.first AND a.upto < c.events)
       SELECT count(*)::int AS deleted FROM done`,
      bindings(acknowledged.map((run) => run.id), acknowledged.map((run) => run.first), acknowledged.map((run) => run.upto), fromWms),
    );
    this.deleted(Number(rows[0]?.deleted ?? 0));
  }

  /**
   * The queue is a table of short-lived rows: every one deleted leaves a dead row behind, and the
   * relay's read of the oldest rows walks over all of them (with 40,000 dead rows, 5 ms and 34,000
   * buffers for an empty queue) until a vacuum removes them. Where autovacuum is off or slow, that
   * read grows through the day. So after every `vacuumEveryRows` deletions the store vacuums the
   * table itself, in the background (one at a time; `SKIP_LOCKED`: a vacuum already running on it,
   * another replica's, is enough).
   */
  private deleted(rows: number): void {
    this.deletedSinceVacuum += rows;
    if (this.vacuumEveryRows <= 0 || this.deletedSinceVacuum < this.vacuumEveryRows || this.vacuuming) return;
    this.deletedSinceVacuum = 0;
    this.vacuuming = this.knex
      .raw("VACUUM (SKIP_LOCKED, ANALYZE) outbox_chunks")
      .then(() => undefined, this.onVacuumError)
      .finally(() => {
        this.vacuuming = undefined;
      });
  }

  /** Resolves once a vacuum of the queue in progress, if any, is done (for shutdown and tests). */
  async settled(): Promise<void> {
    await this.vacuuming;
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.knex.raw<{ rows: Array<{ count: string | number; oldest: Date | string | null }> }>(
      `SELECT coalesce(sum(events - sent), 0) AS count, min(committed_at) AS oldest FROM outbox_chunks`,
    );
    const row = rows[0];
    return { count: Number(row?.count ?? 0), oldestAt: row?.oldest ? toDate(row.oldest) : undefined };
  }

  private frame(event: InventoryEvent): OutboxFrame {
    return {
      eventId: event.eventId,
      type: event.type,
      sku: event.sku,
      committedMs: event.occurredAt.getTime(),
      observedMs: event.cause.kind === "wms_update" ? event.cause.observedAt.getTime() : undefined,
      payload: this.encode(event),
    };
  }
}

/** Per row, the run of acknowledged messages that starts at the lowest index: `[first, upto)`. */
function acknowledgedRuns(messages: readonly OutboxMessage[]): Array<{ id: string; first: number; upto: number }> {
  const indexes = new Map<string, number[]>();
  for (const { position } of messages) {
    const dot = position.indexOf(".");
    const id = position.slice(0, dot);
    let row = indexes.get(id);
    if (!row) indexes.set(id, (row = []));
    row.push(Number(position.slice(dot + 1)));
  }
  return [...indexes].map(([id, row]) => {
    row.sort((a, b) => a - b);
    let upto = row[0]! + 1;
    for (const index of row) if (index === upto) upto++;
    return { id, first: row[0]!, upto };
  });
}

/** The columns of a ledger row in the append statement. */
const LEDGER_COLUMNS = {
  i: "int",
  id: "text",
  type: "text",
  sku: "text",
  loc: "text",
  delta: "bigint",
  source: "text",
  ts: "timestamptz",
  boh: "bigint",
  bres: "bigint",
  aoh: "bigint",
  ares: "bigint",
  version: "bigint",
  cause: "jsonb",
  non_sellable: "jsonb",
  path: "text",
  ri: "int",
} as const;

/** One ledger row, for the append statement's row set. */
function toRow(event: InventoryEvent, i: number, routes: RouteDocuments) {
  return {
    i,
    id: event.eventId,
    type: event.type,
    sku: event.sku,
    loc: event.locationId,
    delta: event.delta,
    source: event.source,
    ts: event.occurredAt,
    boh: event.before.onHand,
    bres: event.before.reserved,
    aoh: event.after.onHand,
    ares: event.after.reserved,
    version: event.version,
    cause: storedCause(event.cause),
    non_sellable: event.nonSellable ?? null,
    path: event.route?.decision.path ?? null,
    ri: routes.position(event.route),
  };
}

/** A cause as the `cause` jsonb column keeps it: bigints and dates as strings. */
function storedCause(cause: EventCause): object {
  if (cause.kind === "reservation") return { ...cause, expiresAt: cause.expiresAt.toISOString() };
  if (cause.kind !== "wms_update") return cause;
  return { ...cause, sequence: cause.sequence.toString(), observedAt: cause.observedAt.toISOString() };
}
