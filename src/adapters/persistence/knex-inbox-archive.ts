import type { Knex } from "knex";
import type { InboxArchive, ReplayFilter, StoredUpdate } from "../../wms-ingestion/application/inbox-replay.js";
import { bindings } from "./row-values.js";

/** {@link InboxArchive} over `wms_updates`. */
export class KnexInboxArchive implements InboxArchive {
  constructor(private readonly knex: Knex) {}

  async select(filter: ReplayFilter, afterId: string, pageSize: number): Promise<StoredUpdate[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ id: string; schema_version: string; payload: unknown }> }>(
      `SELECT id::text AS id, schema_version, payload FROM wms_updates
       WHERE status = ? AND id > ?::bigint AND (status <> 'rejected' OR replayed_at IS NULL)
         AND (?::text IS NULL OR sku = ?::text) AND (?::text IS NULL OR wms_id = ?::text)
         AND (?::timestamptz IS NULL OR received_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR received_at < ?::timestamptz)
       ORDER BY wms_updates.id LIMIT ?`,
      bindings(
        filter.status,
        afterId,
        ...twice(filter.sku ?? null),
        ...twice(filter.wmsId ?? null),
        ...twice(filter.receivedFrom?.toISOString() ?? null),
        ...twice(filter.receivedTo?.toISOString() ?? null),
        pageSize,
      ),
    );
    return rows.map((r) => ({ id: r.id, schemaVersion: r.schema_version, payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload }));
  }

  async markReplayed(ids: readonly string[], batchId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.knex.raw(`UPDATE wms_updates SET replayed_at = now(), replay_batch_id = ? WHERE id = ANY(?::bigint[])`, bindings(batchId, ids));
  }
}

function twice<T>(value: T): [T, T] {
  return [value, value];
}
