import type { Knex } from "knex";
import type { IngestionState, IngestionSwitch } from "../../wms-ingestion/application/ingestion-control.js";
import { toDate } from "./row-values.js";

interface SwitchRow {
  paused: boolean;
  reason: string;
  changed_at: Date | string;
}

/** {@link IngestionSwitch} over the one-row `ingestion_control` table: every replica reads the same row. */
export class KnexIngestionSwitch implements IngestionSwitch {
  constructor(private readonly knex: Knex) {}

  async read(): Promise<IngestionState> {
    const { rows } = await this.knex.raw<{ rows: SwitchRow[] }>(`SELECT paused, reason, changed_at FROM ingestion_control`);
    return toState(rows[0]);
  }

  async write(paused: boolean, reason: string): Promise<IngestionState> {
    const { rows } = await this.knex.raw<{ rows: SwitchRow[] }>(
      `UPDATE ingestion_control SET paused = ?, reason = ?, changed_at = now() RETURNING paused, reason, changed_at`,
      [paused, reason],
    );
    return toState(rows[0]);
  }
}

function toState(row: SwitchRow | undefined): IngestionState {
  if (!row) throw new Error("ingestion_control has no row; run the migrations");
  return { paused: row.paused, reason: row.reason, changedAt: toDate(row.changed_at) };
}
