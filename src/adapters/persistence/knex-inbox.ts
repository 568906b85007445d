import type { Inbox, InboxRecording } from "../../wms-ingestion/application/inbox.port.js";
import type { MappedUpdate, WmsBatch } from "../../wms-ingestion/application/wms-batch.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, jsonRows } from "./row-values.js";

/** {@link Inbox} over the `wms_updates` table: one INSERT per batch, deduplicated by the database. */
export class KnexInbox implements Inbox {
  async record(tx: Transaction, batch: WmsBatch, receivedAt: Date): Promise<InboxRecording> {
    // Insert in (wms_id, sequence) order so concurrent batches sharing updates wait instead of deadlocking.
    const { rows: inserted } = await knexTransaction(tx).raw<{ rows: Array<{ id: string; batch_index: number; status: string }> }>(
      `INSERT INTO wms_updates (batch_id, schema_version, received_at, batch_index, wms_id, sequence, sku, location_id,
         quantity, observed_at, status, reject_field, reject_code, reject_reason, payload)
       SELECT ?, ?, ?::timestamptz, u.i, u.w, u.s, u.k, u.l, u.q, u.o, u.st, u.rf, u.rc, u.rr, u.p::jsonb
       FROM json_to_recordset(?::json) AS u(i int, w text, s bigint, k text, l text, q bigint, o timestamptz, st text,
         rf text, rc text, rr text, p json)
       ORDER BY u.w, u.s, u.i
       ON CONFLICT (wms_id, sequence) WHERE status <> 'rejected' DO NOTHING
       RETURNING id::text AS id, batch_index, status`,
      bindings(batch.batchId, batch.schemaVersion, receivedAt.toISOString(), jsonRows(batch.updates.map(toRow))),
    );
    const stored = new Map<number, string>();
    for (const row of inserted) if (row.status !== "rejected") stored.set(Number(row.batch_index), row.id);
    return { stored };
  }

  async markStale(tx: Transaction, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await knexTransaction(tx).raw(`UPDATE wms_updates SET status = 'stale' WHERE id = ANY(?::bigint[])`, bindings(ids));
  }
}

/** One inbox row, with short keys: it is serialised once per update of every batch. */
interface InboxRow {
  i: number;
  w: string | null;
  s: string | null;
  k: string | null;
  l: string | null;
  q: number | null;
  o: string | null;
  st: "applied" | "rejected";
  rf: string | null;
  rc: string | null;
  rr: string | null;
  p: unknown;
}

const MAX_BIGINT = 2n ** 63n - 1n;

function toRow(update: MappedUpdate): InboxRow {
  if (update.kind === "count") {
    const { count } = update;
    return {
      i: update.index,
      w: count.origin.wmsId,
      s: count.origin.sequence.toString(),
      k: count.sku,
      l: count.locationId,
      q: count.quantity,
      o: count.observedAt.toISOString(),
      st: "applied",
      rf: null,
      rc: null,
      rr: null,
      p: update.raw ?? null,
    };
  }
  const { identity, rejection } = update;
  return {
    i: update.index,
    w: shortText(identity.wmsId),
    s: identity.sequence !== undefined && identity.sequence <= MAX_BIGINT ? identity.sequence.toString() : null,
    k: shortText(identity.sku),
    l: shortText(identity.locationId),
    q: identity.quantity !== undefined && Number.isSafeInteger(identity.quantity) ? identity.quantity : null,
    o: validIso(identity.observedAt),
    st: "rejected",
    rf: rejection.field,
    rc: rejection.code,
    rr: rejection.reason,
    p: update.raw ?? null,
  };
}

function shortText(value: string | undefined): string | null {
  return value === undefined ? null : value.slice(0, 256);
}

function validIso(date: Date | undefined): string | null {
  if (!date || Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date.toISOString() : null;
}
