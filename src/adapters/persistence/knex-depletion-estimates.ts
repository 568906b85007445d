import type { Knex } from "knex";
import { EstimatorPositionMoved, type DepletionEstimates } from "../../low-stock/application/depletion-estimates.port.js";
import type { DepletionEstimate } from "../../low-stock/domain/depletion-estimate.js";
import type { StockRecordKey } from "../../low-stock/domain/stock-change.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, jsonRows, toDate } from "./row-values.js";

interface EstimateRow {
  sku: string;
  location_id: string;
  available: string | number;
  version: string | number;
  weight: number;
  weight_at: Date | string;
  since: Date | string;
  alert_event_id: string | null;
  alert_raised_at: Date | string | null;
  alert_available: string | number | null;
}

const COLUMNS = `sku, location_id, available, version, weight, weight_at, since, alert_event_id, alert_raised_at, alert_available`;

/**
 * {@link DepletionEstimates} in `low_stock_estimates` and `low_stock_position` (migration 0020).
 * Reads and writes are one statement per batch (a JSON row set), locks in (sku, location) order.
 */
export class KnexDepletionEstimates implements DepletionEstimates {
  constructor(private readonly knex: Knex) {}

  async position(): Promise<number> {
    const { rows } = await this.knex.raw<{ rows: Array<{ position: string | number }> }>(`SELECT position FROM low_stock_position`);
    return Number(rows[0]?.position ?? 0);
  }

  async lock(tx: Transaction, keys: readonly StockRecordKey[]): Promise<DepletionEstimate[]> {
    if (keys.length === 0) return [];
    const { rows } = await knexTransaction(tx).raw<{ rows: EstimateRow[] }>(
      `SELECT ${COLUMNS.split(", ").map((c) => `e.${c}`).join(", ")}
       FROM low_stock_estimates AS e JOIN json_to_recordset(?::json) AS k(sku text, location_id text) USING (sku, location_id)
       ORDER BY e.sku, e.location_id FOR UPDATE OF e`,
      [jsonRows(keys.map((k) => ({ sku: k.sku, location_id: k.locationId })))],
    );
    return rows.map(toEstimate);
  }

  async runningLow(tx: Transaction, limit: number, after: StockRecordKey | undefined): Promise<DepletionEstimate[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: EstimateRow[] }>(
      `SELECT ${COLUMNS} FROM low_stock_estimates
       WHERE alert_event_id IS NOT NULL AND (?::text IS NULL OR (sku, location_id) > (?::text, ?::text))
       ORDER BY sku, location_id LIMIT ? FOR UPDATE`,
      bindings(after?.sku ?? null, after?.sku ?? "", after?.locationId ?? "", limit),
    );
    return rows.map(toEstimate);
  }

  async save(tx: Transaction, estimates: readonly DepletionEstimate[], move?: { readonly from: number; readonly to: number }): Promise<void> {
    const trx = knexTransaction(tx);
    if (move) {
      const { rows } = await trx.raw<{ rows: Array<{ position: string | number; moved: boolean }> }>(
        `WITH moved AS (UPDATE low_stock_position SET position = ?, updated_at = now() WHERE position = ? RETURNING true AS moved)
         SELECT p.position, EXISTS (SELECT 1 FROM moved) AS moved FROM low_stock_position AS p`,
        [move.to, move.from],
      );
      if (rows[0]?.moved !== true) throw new EstimatorPositionMoved(move.from, Number(rows[0]?.position ?? -1));
    }
    if (estimates.length === 0) return;
    await trx.raw(
      `INSERT INTO low_stock_estimates (${COLUMNS}, updated_at)
       SELECT ${COLUMNS}, now() FROM json_to_recordset(?::json) AS r(sku text, location_id text, available bigint, version bigint,
         weight double precision, weight_at timestamptz, since timestamptz, alert_event_id uuid, alert_raised_at timestamptz, alert_available bigint)
       ORDER BY sku, location_id
       ON CONFLICT (sku, location_id) DO UPDATE SET available = excluded.available, version = excluded.version, weight = excluded.weight,
         weight_at = excluded.weight_at, since = excluded.since, alert_event_id = excluded.alert_event_id,
         alert_raised_at = excluded.alert_raised_at, alert_available = excluded.alert_available, updated_at = excluded.updated_at`,
      [jsonRows(estimates.map(toRow))],
    );
  }

  async runningLowByLocation(): Promise<ReadonlyMap<string, number>> {
    const { rows } = await this.knex.raw<{ rows: Array<{ location_id: string; n: string | number }> }>(
      `SELECT location_id, count(*) AS n FROM low_stock_estimates WHERE alert_event_id IS NOT NULL GROUP BY location_id`,
    );
    return new Map(rows.map((row) => [row.location_id, Number(row.n)]));
  }
}

function toEstimate(row: EstimateRow): DepletionEstimate {
  return {
    sku: row.sku,
    locationId: row.location_id,
    available: Number(row.available),
    version: Number(row.version),
    weight: Number(row.weight),
    weightAt: toDate(row.weight_at),
    since: toDate(row.since),
    alert:
      row.alert_event_id === null
        ? undefined
        : { eventId: row.alert_event_id, raisedAt: toDate(row.alert_raised_at!), available: Number(row.alert_available) },
  };
}

function toRow(e: DepletionEstimate) {
  return {
    sku: e.sku,
    location_id: e.locationId,
    available: e.available,
    version: e.version,
    weight: e.weight,
    weight_at: e.weightAt.toISOString(),
    since: e.since.toISOString(),
    alert_event_id: e.alert?.eventId ?? null,
    alert_raised_at: e.alert?.raisedAt.toISOString() ?? null,
    alert_available: e.alert?.available ?? null,
  };
}
