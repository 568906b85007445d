import type { Inbox, InboxRecording } from "../../wms-ingestion/application/inbox.port.js";
import type { MappedUpdate, UpdateRejection, WmsBatch } from "../../wms-ingestion/application/wms-batch.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, jsonRows } from "./row-values.js";
import { rowSet } from "./row-set.js";
import { RouteDocuments } from "./route-documents.js";
import type { InboxRouting } from "../../migration/application/sku-router.port.js";

/** {@link Inbox} over the `wms_updates` table: one INSERT per batch, deduplicated by the database. */
export class KnexInbox implements Inbox {
  async record(tx: Transaction, batch: WmsBatch, receivedAt: Date, routing: ReadonlyMap<number, InboxRouting>): Promise<InboxRecording> {
    // Insert in (wms_id, sequence) order so concurrent batches sharing updates wait instead of deadlocking.
    const routes = new RouteDocuments();
    const trx = knexTransaction(tx);
    const rows = rowSet(trx, "u", INBOX_COLUMNS, batch.updates.map((u) => withRouting(toRow(u), routing.get(u.index), routes)));
    const { rows: inserted } = await trx.raw<{ rows: Array<{ id: string; batch_index: number; status: string }> }>(
      `INSERT INTO wms_updates (batch_id, schema_version, received_at, batch_index, wms_id, sequence, sku, location_id,
         quantity, observed_at, status, reject_field, reject_code, reject_reason, payload, update_kind, path, routing)
       SELECT ?, ?, ?::timestamptz, u.i, u.w, u.s, u.k, u.l, u.q, u.o, u.st, u.rf, u.rc, u.rr, u.p, u.kind, u.path, (?::jsonb) -> u.ri
       FROM ${rows.from}
       ORDER BY u.w, u.s, u.i
       ON CONFLICT (wms_id, sequence) WHERE status <> 'rejected' DO NOTHING
       RETURNING id::text AS id, batch_index, status`,
      bindings(batch.batchId, batch.schemaVersion, receivedAt.toISOString(), routes.toJson(), ...rows.bindings),
    );
    const stored = new Map<number, string>();
    for (const row of inserted) if (row.status !== "rejected") stored.set(Number(row.batch_index), row.id);
    return { stored };
  }

  async markStale(tx: Transaction, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await knexTransaction(tx).raw(`UPDATE wms_updates SET status = 'stale' WHERE id = ANY(?::bigint[])`, bindings(ids));
  }

  async markRefused(tx: Transaction, refusals: ReadonlyArray<{ id: string; rejection: UpdateRejection }>): Promise<void> {
    if (refusals.length === 0) return;
    await knexTransaction(tx).raw(
      `UPDATE wms_updates AS w SET status = 'rejected', reject_field = r.field, reject_code = r.code, reject_reason = r.reason
       FROM json_to_recordset(?::json) AS r(id bigint, field text, code text, reason text)
       WHERE w.id = r.id`,
      [jsonRows(refusals.map(({ id, rejection: { field, code, reason } }) => ({ id, field, code, reason })))],
    );
  }
}

/** The columns of an inbox row in the insert's row set (see {@link InboxRow}). */
const INBOX_COLUMNS = {
  i: "int",
  w: "text",
  s: "bigint",
  k: "text",
  l: "text",
  q: "bigint",
  o: "timestamptz",
  st: "text",
  rf: "text",
  rc: "text",
  rr: "text",
  p: "json",
  kind: "text",
  path: "text",
  ri: "int",
} as const;

/**
 * One inbox row, with short keys (it is encoded once per update of every batch): batch index,
 * wms_id, sequence, sku, location, quantity, observed_at, status, reject field / code / reason,
 * payload, kind (`movement` rows carry the first leg's signed delta in `quantity`), path and the
 * position of the routing document (see {@link RouteDocuments}).
 */
interface InboxRow {
  i: number;
  w: string | null;
  s: bigint | null;
  k: string | null;
  l: string | null;
  q: number | null;
  o: Date | null;
  st: "applied" | "forwarded" | "shadowed" | "rejected";
  rf: string | null;
  rc: string | null;
  rr: string | null;
  p: unknown;
  kind: "count" | "movement";
  path?: string;
  ri?: number | null;
}

/** `row` with the routing decided for it; rejected rows have none. */
function withRouting(row: InboxRow, routing: InboxRouting | undefined, routes: RouteDocuments): InboxRow {
  if (!routing || row.st === "rejected") return row;
  row.st = routing.status;
  row.path = routing.decision.path;
  row.ri = routes.position({ decision: routing.decision });
  return row;
}

const MAX_BIGINT = 2n ** 63n - 1n;
const ACCEPTED = { st: "applied", rf: null, rc: null, rr: null } as const;

function toRow(update: MappedUpdate): InboxRow {
  const p = update.raw ?? null;
  if (update.kind === "count") {
    const { count } = update;
    const { sku, locationId, quantity, observedAt, origin } = count;
    return { i: update.index, w: origin.wmsId, s: origin.sequence, k: sku, l: locationId, q: quantity, o: observedAt, ...ACCEPTED, p, kind: "count" };
  }
  if (update.kind === "movement") {
    const { sku, legs, observedAt, origin } = update.movement;
    const leg = legs[0]!;
    return { i: update.index, w: origin.wmsId, s: origin.sequence, k: sku, l: leg.locationId, q: leg.delta, o: observedAt, ...ACCEPTED, p, kind: "movement" };
  }
  const { identity, rejection } = update;
  return {
    i: update.index,
    w: shortText(identity.wmsId),
    s: identity.sequence !== undefined && identity.sequence <= MAX_BIGINT ? identity.sequence : null,
    k: shortText(identity.sku),
    l: shortText(identity.locationId),
    q: identity.quantity !== undefined && Number.isSafeInteger(identity.quantity) ? identity.quantity : null,
    o: storableDate(identity.observedAt),
    st: "rejected",
    rf: rejection.field,
    rc: rejection.code,
    rr: rejection.reason,
    p,
    kind: "count",
  };
}

function shortText(value: string | undefined): string | null {
  return value === undefined ? null : value.slice(0, 256);
}

/** A rejected update's time when PostgreSQL can keep it (a valid date in years 1–9999), else null. */
function storableDate(date: Date | undefined): Date | null {
  if (!date || Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date : null;
}
