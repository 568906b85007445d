import type { Knex } from "knex";
import type { InventoryEvent, EventCause } from "../../inventory/domain/inventory-event.js";
import type { NonSellableChange } from "../../inventory/domain/non-sellable.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { availableOf } from "../../inventory/domain/stock-level.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { OutboxBacklog, OutboxStore } from "../../outbox/outbox-store.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction, onCommit } from "./knex-unit-of-work.js";
import { readRoute, storeRoute } from "./route-json.js";
import { bindings, toDate } from "./row-values.js";

interface EventRow {
  event_id: string;
  type: string;
  sku: string;
  location_id: string;
  delta: string | number;
  source: string;
  timestamp: Date | string;
  before_on_hand: string | number;
  before_reserved: string | number;
  after_on_hand: string | number;
  after_reserved: string | number;
  version: string | number;
  cause: StoredCause | string;
  non_sellable: NonSellableChange | string | null;
  path: string | null;
  routing: unknown;
}

/** A cause as stored in jsonb: bigints and dates as strings. */
type StoredCause =
  | (Omit<Extract<EventCause, { kind: "wms_update" }>, "sequence" | "observedAt"> & { sequence: string; observedAt: string })
  | (Omit<Extract<EventCause, { kind: "reservation" }>, "expiresAt"> & { expiresAt: string });

/**
 * The outbox over `inventory_events`: events are appended in the transaction of their change
 * (one INSERT per batch) and read back by the relay in commit order per SKU.
 */
export class KnexEventOutbox implements EventOutbox, OutboxStore {
  /** @param onAppended called after a transaction that appended events commits (wakes the relay). */
  constructor(
    private readonly knex: Knex,
    private readonly onAppended: () => void = () => undefined,
  ) {}

  async append(tx: Transaction, events: readonly InventoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await knexTransaction(tx).raw(
      `INSERT INTO inventory_events (event_id, type, sku, location_id, delta, source, "timestamp",
         before_on_hand, before_reserved, after_on_hand, after_reserved, version, cause, non_sellable, path, routing)
       SELECT e.event_id, e.type, e.sku, e.location_id, e.delta, e.source, e.ts,
         e.before_on_hand, e.before_reserved, e.after_on_hand, e.after_reserved, e.version, e.cause::jsonb,
         e.non_sellable::jsonb, e.path, e.routing::jsonb
       FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::timestamptz[],
         ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])
         WITH ORDINALITY AS e(event_id, type, sku, location_id, delta, source, ts,
           before_on_hand, before_reserved, after_on_hand, after_reserved, version, cause, non_sellable, path, routing, ord)
       ORDER BY e.ord`,
      bindings(
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => e.sku),
        events.map((e) => e.locationId),
        events.map((e) => e.delta),
        events.map((e) => e.source),
        events.map((e) => e.occurredAt.toISOString()),
        events.map((e) => e.before.onHand),
        events.map((e) => e.before.reserved),
        events.map((e) => e.after.onHand),
        events.map((e) => e.after.reserved),
        events.map((e) => e.version),
        events.map((e) => JSON.stringify(storeCause(e.cause))),
        events.map((e) => (e.nonSellable ? JSON.stringify(e.nonSellable) : null)),
        events.map((e) => e.route?.decision.path ?? null),
        events.map((e) => (e.route ? storeRoute(e.route) : null)),
      ),
    );
    onCommit(tx, this.onAppended);
  }

  async fetchUnpublished(limit: number): Promise<InventoryEvent[]> {
    const { rows } = await this.knex.raw<{ rows: EventRow[] }>(
      `SELECT event_id::text AS event_id, type, sku, location_id, delta, source, "timestamp", before_on_hand,
         before_reserved, after_on_hand, after_reserved, version, cause, non_sellable, path, routing
       FROM inventory_events WHERE published_at IS NULL ORDER BY seq LIMIT ?`,
      [limit],
    );
    return rows.map(toEvent);
  }

  async markPublished(eventIds: readonly string[], at: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.knex.raw(`UPDATE inventory_events SET published_at = ?::timestamptz WHERE event_id = ANY(?::uuid[])`, bindings(
      at.toISOString(),
      eventIds,
    ));
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.knex.raw<{ rows: Array<{ count: string | number; oldest: Date | string | null }> }>(
      `SELECT count(*) AS count, min("timestamp") AS oldest FROM inventory_events WHERE published_at IS NULL`,
    );
    const row = rows[0];
    return { count: Number(row?.count ?? 0), oldestAt: row?.oldest ? toDate(row.oldest) : undefined };
  }
}

function storeCause(cause: EventCause): StoredCause {
  if (cause.kind === "reservation") return { ...cause, expiresAt: cause.expiresAt.toISOString() };
  return { ...cause, sequence: cause.sequence.toString(), observedAt: cause.observedAt.toISOString() };
}

function loadCause(stored: StoredCause): EventCause {
  if (stored.kind === "reservation") return { ...stored, expiresAt: new Date(stored.expiresAt) };
  return { ...stored, sequence: BigInt(stored.sequence), observedAt: new Date(stored.observedAt) };
}

function toEvent(row: EventRow): InventoryEvent {
  const stored: StoredCause = typeof row.cause === "string" ? JSON.parse(row.cause) : row.cause;
  const before = { onHand: Number(row.before_on_hand), reserved: Number(row.before_reserved) };
  const after = { onHand: Number(row.after_on_hand), reserved: Number(row.after_reserved) };
  return {
    eventId: row.event_id,
    type: row.type as InventoryEvent["type"],
    sku: asSku(row.sku),
    locationId: asLocationId(row.location_id),
    delta: Number(row.delta),
    source: row.source as InventoryEvent["source"],
    occurredAt: toDate(row.timestamp),
    before: { ...before, available: availableOf(before.onHand, before.reserved) },
    after: { ...after, available: availableOf(after.onHand, after.reserved) },
    version: Number(row.version),
    cause: loadCause(stored),
    ...(row.non_sellable ? { nonSellable: typeof row.non_sellable === "string" ? JSON.parse(row.non_sellable) : row.non_sellable } : {}),
    ...routeOf(row),
  };
}

function routeOf(row: EventRow): Pick<InventoryEvent, "route"> {
  const route = readRoute(row.path, row.routing);
  return route ? { route } : {};
}
