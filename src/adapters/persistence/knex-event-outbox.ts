import type { Knex } from "knex";
import type { EventCause, InventoryEvent } from "../../inventory/domain/inventory-event.js";
import type { EventEncoder } from "../../outbox/event-encoder.port.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import type { OutboxBacklog, OutboxStore } from "../../outbox/outbox-store.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction, onCommit } from "./knex-unit-of-work.js";
import { RouteDocuments } from "./route-documents.js";
import { bindings, jsonRows, toDate } from "./row-values.js";

interface MessageRow {
  position: string;
  event_id: string;
  type: string;
  sku: string;
  payload: string;
  committed_ms: number | string;
  observed_ms: number | string | null;
  trace_context: string | null;
}

/**
 * The outbox: each event is appended, in the transaction of its change, to the ledger
 * (`inventory_events`, queryable in SQL, kept) and, encoded for the bus, to the relay's queue
 * (`outbox_pending`, in commit order per SKU, deleted once JetStream acknowledged it). With tracing
 * on, both keep the `traceparent` active when the events were appended (one value per statement:
 * no per-event work).
 */
export class KnexEventOutbox implements EventOutbox, OutboxStore {
  /**
   * @param onAppended called after a transaction that appended events commits (wakes the relay).
   * @param activeTraceparent the trace context to store with appended events (tracing on), or none.
   */
  constructor(
    private readonly knex: Knex,
    private readonly encode: EventEncoder,
    private readonly onAppended: () => void = () => undefined,
    private readonly activeTraceparent: () => string | undefined = () => undefined,
  ) {}

  async append(tx: Transaction, events: readonly InventoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One statement: the ledger rows, then their queue entries (same seq), from one JSON document.
    const routes = new RouteDocuments();
    const rows = jsonRows(events.map((event, i) => this.toRow(event, i, routes)));
    await knexTransaction(tx).raw(
      `WITH e AS (
         SELECT * FROM json_to_recordset(?::json) AS e(i int, id uuid, type text, sku text, loc text, delta bigint,
           source text, ts timestamptz, boh bigint, bres bigint, aoh bigint, ares bigint, version bigint, cause jsonb,
           non_sellable jsonb, path text, ri int, observed timestamptz, payload text)),
       ledger AS (
         INSERT INTO inventory_events (event_id, type, sku, location_id, delta, source, "timestamp", before_on_hand,
           before_reserved, after_on_hand, after_reserved, version, cause, non_sellable, path, routing, trace_context)
         SELECT id, type, sku, loc, delta, source, ts, boh, bres, aoh, ares, version, cause, non_sellable, path, (?::jsonb) -> ri, ?::text
         FROM e ORDER BY i
         RETURNING seq, event_id, trace_context)
       INSERT INTO outbox_pending (seq, event_id, type, sku, committed_at, observed_at, payload, trace_context)
       SELECT ledger.seq, e.id, e.type, e.sku, e.ts, e.observed, decode(e.payload, 'base64'), ledger.trace_context
       FROM ledger JOIN e ON e.id = ledger.event_id`,
      [rows, routes.toJson(), this.activeTraceparent() ?? null],
    );
    onCommit(tx, this.onAppended);
  }

  async fetchUnpublished(limit: number, exclude: readonly string[]): Promise<OutboxMessage[]> {
    const { rows } = await this.knex.raw<{ rows: MessageRow[] }>(
      // Bytes as base64 and times as epoch milliseconds: decoded natively, not by the driver's JS parsers.
      // Rows in flight are left out by a hashed set (`<> ALL` compared each row with every one of them).
      `SELECT p.seq::text AS position, p.event_id::text AS event_id, p.type, p.sku, encode(p.payload, 'base64') AS payload,
         (extract(epoch FROM p.committed_at) * 1000)::float8 AS committed_ms, (extract(epoch FROM p.observed_at) * 1000)::float8 AS observed_ms,
         p.trace_context
       FROM outbox_pending AS p WHERE p.seq NOT IN (SELECT unnest(?::bigint[])) ORDER BY p.seq LIMIT ?`,
      bindings(exclude, limit),
    );
    return rows.map((row) => ({
      position: row.position,
      eventId: row.event_id,
      type: row.type,
      sku: row.sku,
      payload: Buffer.from(row.payload, "base64"),
      committedAt: new Date(Number(row.committed_ms)),
      observedAt: row.observed_ms === null ? undefined : new Date(Number(row.observed_ms)),
      traceContext: row.trace_context ?? undefined,
    }));
  }

  async markPublished(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.knex.raw(`DELETE FROM outbox_pending WHERE seq = ANY(?::bigint[])`, bindings(messages.map((m) => m.position)));
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.knex.raw<{ rows: Array<{ count: string | number; oldest: Date | string | null }> }>(
      `SELECT count(*) AS count, min(committed_at) AS oldest FROM outbox_pending`,
    );
    const row = rows[0];
    return { count: Number(row?.count ?? 0), oldestAt: row?.oldest ? toDate(row.oldest) : undefined };
  }

  private toRow(event: InventoryEvent, i: number, routes: RouteDocuments) {
    return {
      i,
      id: event.eventId,
      type: event.type,
      sku: event.sku,
      loc: event.locationId,
      delta: event.delta,
      source: event.source,
      ts: event.occurredAt.toISOString(),
      boh: event.before.onHand,
      bres: event.before.reserved,
      aoh: event.after.onHand,
      ares: event.after.reserved,
      version: event.version,
      cause: storedCause(event.cause),
      non_sellable: event.nonSellable ?? null,
      path: event.route?.decision.path ?? null,
      ri: routes.position(event.route),
      observed: event.cause.kind === "wms_update" ? event.cause.observedAt.toISOString() : null,
      payload: Buffer.from(this.encode(event)).toString("base64"),
    };
  }
}

/** A cause as the `cause` jsonb column keeps it: bigints and dates as strings. */
function storedCause(cause: EventCause): object {
  if (cause.kind === "reservation") return { ...cause, expiresAt: cause.expiresAt.toISOString() };
  if (cause.kind !== "wms_update") return cause;
  return { ...cause, sequence: cause.sequence.toString(), observedAt: cause.observedAt.toISOString() };
}
