import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { FloorEvent } from "./event-writer.js";

/** One WMS count as the floor reads it from a Connect JSON `SyncInventory` request or a dropped `*.v1.jsonl` line. */
export interface FloorUpdate {
  readonly index: number;
  readonly wmsId: string;
  readonly sequence: number;
  readonly sku: string;
  readonly locationId: string;
  readonly quantity: number;
  /** As sent (an RFC 3339 time PostgreSQL reads). */
  readonly observedAt: string;
  readonly observedMs: number;
}

/** A request the floor refuses, with the field and why (answered 400). */
export class FloorRequestError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The most updates one request may hold (the service's default limit). */
export const MAX_BATCH_UPDATES = 10_000;

/**
 * A `SyncInventory` request body (`{"batchId", "updates": [{wmsId, sequence, sku, quantity, status,
 * locationId, observedAt}]}`) as the floor's updates. Only counts (`COUNTED`): the traffic holds
 * nothing else; anything else refuses the whole request.
 */
export function parseBatch(body: string): { batchId: string; updates: FloorUpdate[] } {
  let request: { batchId?: unknown; updates?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch (error) {
    throw new FloorRequestError("body", `not JSON: ${(error as Error).message}`);
  }
  if (typeof request.batchId !== "string" || request.batchId === "") throw new FloorRequestError("batchId", "a non-empty string is required");
  if (!Array.isArray(request.updates)) throw new FloorRequestError("updates", "an array is required");
  if (request.updates.length > MAX_BATCH_UPDATES) throw new FloorRequestError("updates", `at most ${MAX_BATCH_UPDATES} updates per batch`);
  const updates = request.updates.map((raw: unknown, index) => parseUpdate(raw, index, `updates[${index}]`));
  return { batchId: request.batchId, updates };
}

/**
 * One update of the v1 contract (`{wmsId, sequence, sku, quantity, status, locationId, observedAt}`)
 * as the floor's update: `index` is its place in its batch, `at` names it in an error
 * (`updates[3]`, `line 4`). Only counts (`COUNTED`): the traffic holds nothing else.
 */
export function parseUpdate(value: unknown, index: number, at: string): FloorUpdate {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FloorRequestError(at, "an object is required");
  const raw = value as Record<string, unknown>;
  const text = (name: string) => {
    const field = raw[name];
    if (typeof field !== "string" || field === "" || field.length > 256) throw new FloorRequestError(`${at}.${name}`, "a string of 1–256 characters is required");
    return field;
  };
  const sequence = Number(text("sequence"));
  if (!Number.isSafeInteger(sequence) || sequence <= 0) throw new FloorRequestError(`${at}.sequence`, "a positive whole number is required");
  const quantity = raw.quantity;
  if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 0) throw new FloorRequestError(`${at}.quantity`, "a whole number ≥ 0 is required");
  if (raw.status !== "COUNTED") throw new FloorRequestError(`${at}.status`, "the floor takes counts (COUNTED) only");
  const observedAt = text("observedAt");
  const observedMs = Date.parse(observedAt);
  if (!Number.isFinite(observedMs)) throw new FloorRequestError(`${at}.observedAt`, "an RFC 3339 time is required");
  return { index, wmsId: text("wmsId"), sequence, sku: text("sku"), locationId: text("locationId"), quantity, observedAt, observedMs };
}

/** What became of a batch: its counts and the events it committed (to publish), under its batch row. */
export interface FloorBatchResult {
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  /** The batch's row in `floor_batches` (none when it changed no stock). */
  readonly batchRow: string | undefined;
  readonly events: FloorEvent[];
}

const INSERT_INBOX = `
INSERT INTO floor_inbox (wms_id, sequence, batch_id, batch_index, sku, location_id, quantity, observed_at, received_at)
SELECT u.w, u.s, $1, u.i, u.k, u.l, u.q, u.o, $2
FROM unnest($3::int[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::timestamptz[]) AS u(i, w, s, k, l, q, o)
ORDER BY u.w, u.s
ON CONFLICT (wms_id, sequence) DO NOTHING
RETURNING batch_index`;

const CREATE_STOCK = `
INSERT INTO floor_stock (sku, location_id)
SELECT k.s, k.l FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(s, l, n) ORDER BY k.n
ON CONFLICT DO NOTHING`;

const LOCK_STOCK = `
SELECT sku, location_id, on_hand::float8 AS on_hand, version::float8 AS version, last_sequence::float8 AS last_sequence
FROM floor_stock WHERE (sku, location_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
ORDER BY sku, location_id
FOR UPDATE`;

const SAVE = `
WITH stock AS (
  UPDATE floor_stock AS s SET on_hand = u.q, version = u.v, last_sequence = u.seq
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(k, l, q, v, seq)
  WHERE s.sku = u.k AND s.location_id = u.l),
batch AS (INSERT INTO floor_batches (id) VALUES ($6))
INSERT INTO floor_outbox (event_id, batch_row, wms_id, sequence, sku, location_id, delta, on_hand, version, occurred_at)
SELECT e.id, $6, e.w, e.s, e.k, e.l, e.d, e.q, e.v, $7
FROM unnest($8::uuid[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bigint[], $15::bigint[]) AS e(id, w, s, k, l, d, q, v)`;

/**
 * The floor's durable work for one request batch, in one transaction on `client`: the updates into
 * the inbox (a resent wms id + sequence is a duplicate and changes nothing), the stock records of
 * the new ones created if missing and locked in key order (concurrent batches wait rather than
 * deadlock), each update applied in sequence order when newer than its record's last sequence
 * (else stale), then one statement saving the records and writing a ledger/outbox row per event.
 */
export async function ingestBatch(client: pg.PoolClient, batchId: string, updates: readonly FloorUpdate[]): Promise<FloorBatchResult> {
  await client.query("BEGIN");
  try {
    const result = await apply(client, batchId, updates);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function apply(client: pg.PoolClient, batchId: string, updates: readonly FloorUpdate[]): Promise<FloorBatchResult> {
  const column = <T>(pick: (u: FloorUpdate) => T) => updates.map(pick);
  const { rows: inserted } = await client.query<{ batch_index: number }>(INSERT_INBOX, [
    batchId,
    new Date(),
    column((u) => u.index),
    column((u) => u.wmsId),
    column((u) => u.sequence),
    column((u) => u.sku),
    column((u) => u.locationId),
    column((u) => u.quantity),
    column((u) => u.observedAt),
  ]);
  const byKey = new Map<string, FloorUpdate[]>();
  for (const { batch_index } of inserted) {
    const update = updates[batch_index]!;
    const key = `${update.sku}\u0000${update.locationId}`;
    const group = byKey.get(key);
    if (group) group.push(update);
    else byKey.set(key, [update]);
  }
  const duplicate = updates.length - inserted.length;
  if (byKey.size === 0) return { accepted: 0, duplicate, stale: 0, batchRow: undefined, events: [] };

  const keys = [...byKey.values()].map((group) => group[0]!).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));
  const skus = keys.map((u) => u.sku);
  const locations = keys.map((u) => u.locationId);
  await client.query(CREATE_STOCK, [skus, locations]);
  const { rows: records } = await client.query<{ sku: string; location_id: string; on_hand: number; version: number; last_sequence: number }>(LOCK_STOCK, [skus, locations]);

  const occurredMs = Date.now();
  const events: FloorEvent[] = [];
  const saved = { k: [] as string[], l: [] as string[], q: [] as number[], v: [] as number[], s: [] as number[] };
  let stale = 0;
  for (const record of records) {
    const group = byKey.get(`${record.sku}\u0000${record.location_id}`)!;
    group.sort((a, b) => a.sequence - b.sequence);
    let { on_hand: onHand, version, last_sequence: last } = record;
    for (const update of group) {
      if (update.sequence <= last) {
        stale++;
        continue;
      }
      version++;
      last = update.sequence;
      events.push({
        eventId: randomUUID(),
        sku: update.sku,
        locationId: update.locationId,
        delta: update.quantity - onHand,
        onHandBefore: onHand,
        onHandAfter: update.quantity,
        version,
        occurredMs,
        wmsId: update.wmsId,
        sequence: update.sequence,
        batchId,
        observedMs: update.observedMs,
      });
      onHand = update.quantity;
    }
    if (version === record.version) continue;
    saved.k.push(record.sku);
    saved.l.push(record.location_id);
    saved.q.push(onHand);
    saved.v.push(version);
    saved.s.push(last);
  }
  if (events.length === 0) return { accepted: 0, duplicate, stale, batchRow: undefined, events };
  const batchRow = randomUUID();
  const field = <T>(pick: (e: FloorEvent) => T) => events.map(pick);
  await client.query(SAVE, [
    saved.k,
    saved.l,
    saved.q,
    saved.v,
    saved.s,
    batchRow,
    new Date(occurredMs),
    field((e) => e.eventId),
    field((e) => e.wmsId),
    field((e) => e.sequence),
    field((e) => e.sku),
    field((e) => e.locationId),
    field((e) => e.delta),
    field((e) => e.onHandAfter),
    field((e) => e.version),
  ]);
  return { accepted: events.length, duplicate, stale, batchRow, events };
}
