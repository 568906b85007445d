import type { Knex } from "knex";
import type { DroppedFiles, FileReport } from "../../wms-ingestion/application/file-ingestion.js";

/** {@link DroppedFiles} over `wms_files`, keyed by content hash. */
export class KnexDroppedFiles implements DroppedFiles {
  constructor(private readonly knex: Knex) {}

  async begin(contentHash: string, fileName: string): Promise<{ seen: false } | { seen: true; fileName: string }> {
    // A row left 'ingesting' by a crash or a pause is started again: every update is deduplicated.
    const { rows } = await this.knex.raw<{ rows: Array<{ file_name: string; status: string }> }>(
      `WITH claimed AS (
         INSERT INTO wms_files (content_hash, file_name, status) VALUES (?, ?, 'ingesting')
         ON CONFLICT (content_hash) DO NOTHING RETURNING 1
       )
       SELECT file_name, status FROM wms_files WHERE content_hash = ? AND NOT EXISTS (SELECT 1 FROM claimed)`,
      [contentHash, fileName, contentHash],
    );
    const earlier = rows[0];
    return earlier && earlier.status !== "ingesting" ? { seen: true, fileName: earlier.file_name } : { seen: false };
  }

  async finish(report: FileReport): Promise<void> {
    await this.knex.raw(`UPDATE wms_files SET status = ?, report = ?::jsonb, finished_at = now() WHERE content_hash = ?`, [
      report.status === "failed" ? "failed" : "processed",
      JSON.stringify(report),
      report.contentHash,
    ]);
  }
}
