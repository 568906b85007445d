import type { Knex } from "knex";
import type { ReservedCounterAudit, ReservedCounterDrift, ReservedCounterReport } from "../../reservations/application/reserved-counter-audit.port.js";

interface AuditRow {
  checked: string | number;
  drifted_records: string | number;
  drifted_skus: string | number;
  sample: Array<{ sku: string; location_id: string; reserved: number | string; active_reserved: number | string }> | string;
}

/**
 * The drift check as one set-based statement: every stock record's `reserved` against the sum of
 * its active reservations (a record without any counts as 0). Reservations always reference a stock
 * record (foreign key), so comparing from `inventory` covers them all.
 */
export class KnexReservedCounterAudit implements ReservedCounterAudit {
  constructor(private readonly knex: Knex) {}

  async verify(sampleSize: number): Promise<ReservedCounterReport> {
    const { rows } = await this.knex.raw<{ rows: AuditRow[] }>(
      `WITH active AS (
         SELECT sku, location_id, sum(quantity) AS total FROM reservations WHERE status = 'active' GROUP BY sku, location_id
       ), compared AS (
         SELECT i.sku, i.location_id, i.reserved, coalesce(a.total, 0) AS active_reserved
         FROM inventory i LEFT JOIN active a ON a.sku = i.sku AND a.location_id = i.location_id
       ), drifted AS (
         SELECT * FROM compared WHERE reserved <> active_reserved
       )
       SELECT (SELECT count(*) FROM compared) AS checked,
              (SELECT count(*) FROM drifted) AS drifted_records,
              (SELECT count(DISTINCT sku) FROM drifted) AS drifted_skus,
              (SELECT coalesce(json_agg(d ORDER BY d.sku, d.location_id), '[]'::json)
                 FROM (SELECT * FROM drifted ORDER BY sku, location_id LIMIT ?) d) AS sample`,
      [sampleSize],
    );
    const row = rows[0]!;
    const sample = typeof row.sample === "string" ? (JSON.parse(row.sample) as Exclude<AuditRow["sample"], string>) : row.sample;
    const drifts: ReservedCounterDrift[] = sample.map((d) => ({
      sku: d.sku,
      locationId: d.location_id,
      reserved: Number(d.reserved),
      activeReserved: Number(d.active_reserved),
    }));
    return {
      recordsChecked: Number(row.checked),
      driftedRecords: Number(row.drifted_records),
      driftedSkus: Number(row.drifted_skus),
      drifts,
    };
  }
}
