import type { Knex } from "knex";
import type { EventCause, InventoryEvent } from "../../inventory/domain/inventory-event.js";
import type { EventEncoder } from "../../outbox/event-encoder.port.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import type { OutboxBacklog, OutboxStore } from "../../outbox/outbox-store.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction, onCommit } from "./knex-unit-of-work.js";
import { routeDocument } from "./route-json.js";
import { bindings, jsonRows, toDate } from "./row-values.js";

interface MessageRow {
  event_id: string;
  type: string;
  sku: string;
  payload: Buffer | Uint8Array;
  timestamp: Date | string;
  observed_at: string | null;
  trace_context: string | null;
}

/**
 * The outbox over `inventory_events`: events are appended, already encoded for the bus, in the
 * transaction of their change (one INSERT per batch), and read back by the relay in commit order.
 * The columns beside the payload keep the ledger queryable in SQL. With tracing on, each row keeps
 * the `traceparent` active when it was appended (one value per statement: no per-event work).
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
    await knexTransaction(tx).raw(
      `INSERT INTO inventory_events (event_id, type, sku, location_id, delta, source, "timestamp", before_on_hand,
         before_reserved, after_on_hand, after_reserved, version, cause, non_sellable, path, routing, payload, trace_context)
       SELECT e.id, e.type, e.sku, e.loc, e.delta, e.source, e.ts, e.boh, e.bres, e.aoh, e.ares, e.version, e.cause,
         e.non_sellable, e.path, e.routing, decode(e.payload, 'base64'), ?::text
       FROM json_to_recordset(?::json) AS e(i int, id uuid, type text, sku text, loc text, delta bigint, source text,
         ts timestamptz, boh bigint, bres bigint, aoh bigint, ares bigint, version bigint, cause jsonb, non_sellable jsonb,
         path text, routing jsonb, payload text)
       ORDER BY e.i`,
      [this.activeTraceparent() ?? null, jsonRows(events.map((event, i) => this.toRow(event, i)))],
    );
    onCommit(tx, this.onAppended);
  }

  async fetchUnpublished(limit: number): Promise<OutboxMessage[]> {
    const { rows } = await this.knex.raw<{ rows: MessageRow[] }>(
      `SELECT event_id::text AS event_id, type, sku, payload, "timestamp", cause->>'observedAt' AS observed_at, trace_context
       FROM inventory_events WHERE published_at IS NULL ORDER BY seq LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      type: row.type,
      sku: row.sku,
      payload: row.payload,
      committedAt: toDate(row.timestamp),
      observedAt: row.observed_at === null ? undefined : new Date(row.observed_at),
      traceContext: row.trace_context ?? undefined,
    }));
  }

  async markPublished(eventIds: readonly string[], at: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.knex.raw(`UPDATE inventory_events SET published_at = ?::timestamptz WHERE event_id = ANY(?::uuid[])`, bindings(at.toISOString(), eventIds));
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.knex.raw<{ rows: Array<{ count: string | number; oldest: Date | string | null }> }>(
      `SELECT count(*) AS count, min("timestamp") AS oldest FROM inventory_events WHERE published_at IS NULL`,
    );
    const row = rows[0];
    return { count: Number(row?.count ?? 0), oldestAt: row?.oldest ? toDate(row.oldest) : undefined };
  }

  private toRow(event: InventoryEvent, i: number) {
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
      routing: event.route ? routeDocument(event.route) : null,
      payload: Buffer.from(this.encode(event)).toString("base64"),
    };
  }
}

/** A cause as the `cause` jsonb column keeps it: bigints and dates as strings. */
function storedCause(cause: EventCause): object {
  if (cause.kind === "reservation") return { ...cause, expiresAt: cause.expiresAt.toISOString() };
  return { ...cause, sequence: cause.sequence.toString(), observedAt: cause.observedAt.toISOString() };
}
