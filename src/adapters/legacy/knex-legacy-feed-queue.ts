import type { Knex } from "knex";
import type { PayloadForm } from "../../migration/application/legacy-inventory.port.js";
import type { LegacyFeedBacklog, LegacyFeedEntry, LegacyFeedQueue } from "../../migration/application/legacy-feed-queue.port.js";
import { bindings, toDate } from "../persistence/row-values.js";

/**
 * {@link LegacyFeedQueue} over `legacy_inventory_feed`: undelivered rows are those with no
 * `delivered_at` (a partial index keeps them, lowest id first); `attempts` and `last_error` say what
 * delivery went through. The payload is read as the text it was stored with (a `json` column keeps
 * it exactly), so what legacy is POSTed is what was received.
 */
export class KnexLegacyFeedQueue implements LegacyFeedQueue {
  constructor(private readonly knex: Knex) {}

  async undelivered(limit: number): Promise<LegacyFeedEntry[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ id: string; path: "legacy" | "shadow"; schema_version: string; payload_form: PayloadForm; payload: string }> }>(
      `SELECT f.id::text AS id, f.path, w.schema_version, f.payload_form, f.payload::text AS payload
       FROM legacy_inventory_feed AS f JOIN wms_updates AS w ON w.id = f.inbox_id
       WHERE f.delivered_at IS NULL ORDER BY f.id LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({ feedId: BigInt(row.id), path: row.path, schemaVersion: row.schema_version, payloadForm: row.payload_form, payloadJson: row.payload }));
  }

  async markDelivered(feedIds: readonly bigint[], attempts: number, at: Date): Promise<void> {
    await this.knex.raw(
      `UPDATE legacy_inventory_feed SET delivered_at = ?::timestamptz, attempts = attempts + ? WHERE id = ANY(?::bigint[]) AND delivered_at IS NULL`,
      bindings(at.toISOString(), attempts, feedIds.map(String)),
    );
  }

  async recordFailure(feedIds: readonly bigint[], attempts: number, error: string): Promise<void> {
    await this.knex.raw(
      `UPDATE legacy_inventory_feed SET attempts = attempts + ?, last_error = ? WHERE id = ANY(?::bigint[]) AND delivered_at IS NULL`,
      bindings(attempts, error.slice(0, 1000), feedIds.map(String)),
    );
  }

  async backlog(): Promise<LegacyFeedBacklog> {
    const { rows } = await this.knex.raw<{ rows: Array<{ count: string | number; oldest: Date | string | null }> }>(
      `SELECT count(*) AS count, (SELECT fed_at FROM legacy_inventory_feed WHERE delivered_at IS NULL ORDER BY id LIMIT 1) AS oldest
       FROM legacy_inventory_feed WHERE delivered_at IS NULL`,
    );
    const row = rows[0];
    return { count: Number(row?.count ?? 0), oldestFedAt: row?.oldest ? toDate(row.oldest) : undefined };
  }
}
