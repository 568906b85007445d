import type { Knex } from "knex";
import type { PullCursor, PullCursors } from "../../wms-ingestion/application/wms-pull.js";
import { toDate } from "./row-values.js";

/** {@link PullCursors} over `wms_pull_cursors`: one durable cursor per source. */
export class KnexPullCursors implements PullCursors {
  constructor(private readonly knex: Knex) {}

  async position(wmsId: string): Promise<bigint> {
    const { rows } = await this.knex.raw<{ rows: Array<{ last: string }> }>(
      `SELECT last_sequence::text AS last FROM wms_pull_cursors WHERE wms_id = ?`,
      [wmsId],
    );
    return BigInt(rows[0]?.last ?? "0");
  }

  async advance(wmsId: string, sequence: bigint): Promise<void> {
    await this.knex.raw(
      `INSERT INTO wms_pull_cursors (wms_id, last_sequence) VALUES (?, ?::bigint)
       ON CONFLICT (wms_id) DO UPDATE SET last_sequence = GREATEST(wms_pull_cursors.last_sequence, EXCLUDED.last_sequence),
         last_error = '', updated_at = now()`,
      [wmsId, sequence.toString()],
    );
  }

  async failed(wmsId: string, error: string): Promise<void> {
    await this.knex.raw(
      `INSERT INTO wms_pull_cursors (wms_id, last_error) VALUES (?, ?)
       ON CONFLICT (wms_id) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()`,
      [wmsId, error.slice(0, 1000)],
    );
  }

  async list(): Promise<PullCursor[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ wms_id: string; last: string; updated_at: Date | string; last_error: string }> }>(
      `SELECT wms_id, last_sequence::text AS last, updated_at, last_error FROM wms_pull_cursors ORDER BY wms_id`,
    );
    return rows.map((r) => ({ wmsId: r.wms_id, lastSequence: BigInt(r.last), updatedAt: toDate(r.updated_at), lastError: r.last_error }));
  }
}
