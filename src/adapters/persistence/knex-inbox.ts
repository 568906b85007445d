import type { Inbox, InboxRecording } from "../../wms-ingestion/application/inbox.port.js";
import type { MappedUpdate, UpdateRejection, WmsBatch } from "../../wms-ingestion/application/wms-batch.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, storableJson } from "./row-values.js";

/** {@link Inbox} over the `wms_updates` table: one INSERT per batch, deduplicated by the database. */
export class KnexInbox implements Inbox {
  async record(tx: Transaction, batch: WmsBatch, receivedAt: Date): Promise<InboxRecording> {
    const rows = batch.updates.map(toRow);
    // Insert in (wms_id, sequence) order so concurrent batches sharing updates wait instead of deadlocking.
    const { rows: inserted } = await knexTransaction(tx).raw<{ rows: Array<{ id: string; batch_index: number; status: string }> }>(
      `INSERT INTO wms_updates (batch_id, schema_version, received_at, batch_index, wms_id, sequence, sku, location_id,
         quantity, observed_at, status, reject_field, reject_code, reject_reason, payload, update_kind)
       SELECT ?, ?, ?::timestamptz, u.batch_index, u.wms_id, u.sequence, u.sku, u.location_id,
         u.quantity, u.observed_at, u.status, u.reject_field, u.reject_code, u.reject_reason, u.payload::jsonb, u.update_kind
       FROM unnest(?::int[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::timestamptz[], ?::text[],
         ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
         AS u(batch_index, wms_id, sequence, sku, location_id, quantity, observed_at, status,
              reject_field, reject_code, reject_reason, payload, update_kind)
       ORDER BY u.wms_id, u.sequence, u.batch_index
       ON CONFLICT (wms_id, sequence) WHERE status <> 'rejected' DO NOTHING
       RETURNING id::text AS id, batch_index, status`,
      bindings(
        batch.batchId,
        batch.schemaVersion,
        receivedAt.toISOString(),
        rows.map((r) => r.batchIndex),
        rows.map((r) => r.wmsId),
        rows.map((r) => r.sequence),
        rows.map((r) => r.sku),
        rows.map((r) => r.locationId),
        rows.map((r) => r.quantity),
        rows.map((r) => r.observedAt),
        rows.map((r) => r.status),
        rows.map((r) => r.rejectField),
        rows.map((r) => r.rejectCode),
        rows.map((r) => r.rejectReason),
        rows.map((r) => r.payload),
        rows.map((r) => r.updateKind),
      ),
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
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS r(id, field, code, reason)
       WHERE w.id = r.id`,
      bindings(
        refusals.map((r) => r.id),
        refusals.map((r) => r.rejection.field),
        refusals.map((r) => r.rejection.code),
        refusals.map((r) => r.rejection.reason),
      ),
    );
  }
}

interface InboxRow {
  batchIndex: number;
  wmsId: string | null;
  sequence: string | null;
  sku: string | null;
  locationId: string | null;
  quantity: number | null;
  observedAt: string | null;
  status: "applied" | "rejected";
  /** `movement` rows carry a signed delta in `quantity`, `count` rows an absolute count. */
  updateKind: "count" | "movement";
  rejectField: string | null;
  rejectCode: string | null;
  rejectReason: string | null;
  payload: string;
}

const MAX_BIGINT = 2n ** 63n - 1n;

function toRow(update: MappedUpdate): InboxRow {
  const payload = JSON.stringify(storableJson(update.raw) ?? null);
  if (update.kind === "count") {
    const { count } = update;
    return {
      batchIndex: update.index,
      wmsId: count.origin.wmsId,
      sequence: count.origin.sequence.toString(),
      sku: count.sku,
      locationId: count.locationId,
      quantity: count.quantity,
      observedAt: count.observedAt.toISOString(),
      status: "applied",
      rejectField: null,
      rejectCode: null,
      rejectReason: null,
      payload,
      updateKind: "count",
    };
  }
  if (update.kind === "movement") {
    const { movement } = update;
    const leg = movement.legs[0]!;
    return {
      batchIndex: update.index,
      wmsId: movement.origin.wmsId,
      sequence: movement.origin.sequence.toString(),
      sku: movement.sku,
      locationId: leg.locationId,
      quantity: leg.delta,
      observedAt: movement.observedAt.toISOString(),
      status: "applied",
      rejectField: null,
      rejectCode: null,
      rejectReason: null,
      payload,
      updateKind: "movement",
    };
  }
  const { identity, rejection } = update;
  return {
    batchIndex: update.index,
    wmsId: storableText(identity.wmsId),
    sequence: identity.sequence !== undefined && identity.sequence <= MAX_BIGINT ? identity.sequence.toString() : null,
    sku: storableText(identity.sku),
    locationId: storableText(identity.locationId),
    quantity: identity.quantity !== undefined && Number.isSafeInteger(identity.quantity) ? identity.quantity : null,
    observedAt: validIso(identity.observedAt),
    status: "rejected",
    rejectField: rejection.field,
    rejectCode: rejection.code,
    rejectReason: rejection.reason,
    payload,
    updateKind: "count",
  };
}

function storableText(value: string | undefined): string | null {
  if (value === undefined) return null;
  return (storableJson(value) as string).slice(0, 256);
}

function validIso(date: Date | undefined): string | null {
  if (!date || Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date.toISOString() : null;
}
