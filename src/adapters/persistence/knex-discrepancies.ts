import type { Knex } from "knex";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { ClosedDiscrepancy, Closing, DiscrepancyFilter, DiscrepancyStore } from "../../reconciliation/application/reconciliation-store.port.js";
import { RECONCILIATION_ACTOR } from "../../reconciliation/domain/audit-entry.js";
import { RESOLUTIONS, type Discrepancy, type DiscrepancyKind } from "../../reconciliation/domain/discrepancy.js";
import type { AutoResolution, RecordDifference } from "../../reconciliation/domain/record-comparison.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { jsonRows, toDate } from "./row-values.js";

const COLUMNS = `d.id::text AS id, d.sku, d.location_id, d.kind, d.status, d.ours::text AS ours, d.theirs::text AS theirs, d.first_seen_at,
  d.last_seen_at, d.resolved_at, coalesce(d.resolution, '') AS resolution, d.resolved_by, d.note, coalesce(d.run_id, 0)::text AS run_id,
  d.stock_version::text AS stock_version`;

interface DiscrepancyRow {
  id: string;
  sku: string;
  location_id: string;
  kind: DiscrepancyKind;
  status: Discrepancy["status"];
  ours: string;
  theirs: string;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  resolved_at: Date | string | null;
  resolution: string;
  resolved_by: string;
  note: string;
  run_id: string;
  stock_version: string;
  current_on_hand?: string | null;
  current_version?: string | null;
}

interface ClosedRow {
  id: string;
  kind: DiscrepancyKind;
  first_seen_at: Date | string;
  sku?: string;
  location_id?: string;
}

/** The columns of a record difference, as the set statements read them. */
const DIFFERENCE_COLUMNS = "sku text, location_id text, ours bigint, theirs bigint, version bigint, details jsonb";

/** {@link DiscrepancyStore} over `discrepancies` (count mismatches; shortfalls stay with the shortfall register). */
export class KnexDiscrepancies implements DiscrepancyStore {
  constructor(private readonly knex: Knex) {}

  async recordAutoResolved(tx: Transaction, runId: number, resolutions: readonly AutoResolution[], at: Date): Promise<ClosedDiscrepancy[]> {
    if (resolutions.length === 0) return [];
    const { rows } = await knexTransaction(tx).raw<{ rows: ClosedRow[] }>(
      `WITH input AS (SELECT * FROM json_to_recordset(?::json) AS x(${DIFFERENCE_COLUMNS})),
       closed AS (
         UPDATE discrepancies AS d
         SET status = 'auto_resolved', ours = x.ours, theirs = x.theirs, difference = x.theirs - x.ours, last_seen_at = ?::timestamptz,
             resolved_at = ?::timestamptz, resolution = ?, resolved_by = ?, run_id = ?, stock_version = x.version, details = x.details
         FROM input AS x
         WHERE d.sku = x.sku AND d.location_id = x.location_id AND d.kind = 'count_mismatch' AND d.status = 'open'
         RETURNING d.id, d.kind, d.first_seen_at, d.sku, d.location_id
       ),
       added AS (
         INSERT INTO discrepancies (sku, location_id, kind, status, ours, theirs, difference, first_seen_at, last_seen_at, resolved_at,
                                    resolution, resolved_by, run_id, stock_version, details)
         SELECT x.sku, x.location_id, 'count_mismatch', 'auto_resolved', x.ours, x.theirs, x.theirs - x.ours, ?::timestamptz, ?::timestamptz,
                ?::timestamptz, ?, ?, ?, x.version, x.details
         FROM input AS x
         WHERE NOT EXISTS (SELECT 1 FROM closed AS c WHERE c.sku = x.sku AND c.location_id = x.location_id)
         RETURNING id, kind, first_seen_at, sku, location_id
       )
       SELECT id::text AS id, kind, first_seen_at, sku, location_id FROM closed
       UNION ALL
       SELECT id::text AS id, kind, first_seen_at, sku, location_id FROM added`,
      [
        jsonRows(resolutions.map((r) => differenceRow(r, { tolerance: r.tolerance }))),
        ...[at, at].map((d) => d.toISOString()),
        RESOLUTIONS.wmsCountApplied,
        RECONCILIATION_ACTOR.name,
        runId,
        ...[at, at, at].map((d) => d.toISOString()),
        RESOLUTIONS.wmsCountApplied,
        RECONCILIATION_ACTOR.name,
        runId,
      ],
    );
    const byKey = new Map(rows.map((row) => [stockKey(row.sku!, row.location_id!), toClosed(row)]));
    return resolutions.map((r) => byKey.get(stockKey(r.sku, r.locationId))!);
  }

  async recordOpen(tx: Transaction, runId: number, differences: readonly RecordDifference[], at: Date): Promise<number> {
    if (differences.length === 0) return 0;
    const { rows } = await knexTransaction(tx).raw<{ rows: unknown[] }>(
      `INSERT INTO discrepancies (sku, location_id, kind, status, ours, theirs, difference, first_seen_at, last_seen_at, run_id, stock_version, details)
       SELECT x.sku, x.location_id, 'count_mismatch', 'open', x.ours, x.theirs, x.theirs - x.ours, ?::timestamptz, ?::timestamptz, ?, x.version, x.details
       FROM json_to_recordset(?::json) AS x(${DIFFERENCE_COLUMNS})
       ORDER BY 1, 2
       ON CONFLICT (sku, location_id, kind) WHERE status = 'open'
       DO UPDATE SET ours = EXCLUDED.ours, theirs = EXCLUDED.theirs, difference = EXCLUDED.difference, last_seen_at = EXCLUDED.last_seen_at,
                     run_id = EXCLUDED.run_id, stock_version = EXCLUDED.stock_version, details = EXCLUDED.details
       RETURNING 1`,
      [at.toISOString(), at.toISOString(), runId, jsonRows(differences.map((d) => differenceRow(d, {})))],
    );
    return rows.length;
  }

  async clearMatched(tx: Transaction, runId: number, differing: readonly StockRecordKey[], at: Date): Promise<ClosedDiscrepancy[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: ClosedRow[] }>(
      `UPDATE discrepancies AS d
       SET status = 'resolved', resolved_at = ?::timestamptz, last_seen_at = ?::timestamptz, resolution = ?, resolved_by = ?, run_id = ?
       FROM reconciliation_snapshot_lines AS l
       WHERE l.run_id = ? AND d.sku = l.sku AND d.location_id = l.location_id AND d.kind = 'count_mismatch' AND d.status = 'open'
         AND NOT EXISTS (SELECT 1 FROM json_to_recordset(?::json) AS k(s text, l text) WHERE k.s = d.sku AND k.l = d.location_id)
         AND NOT EXISTS (SELECT 1 FROM sku_routes AS r WHERE r.sku = d.sku AND r.location_id = d.location_id AND r.path <> 'new')
       RETURNING d.id::text AS id, d.kind, d.first_seen_at`,
      [
        at.toISOString(),
        at.toISOString(),
        RESOLUTIONS.matchedBySnapshot,
        RECONCILIATION_ACTOR.name,
        runId,
        runId,
        jsonRows(differing.map((k) => ({ s: k.sku, l: k.locationId }))),
      ],
    );
    return rows.map(toClosed);
  }

  async closeOpenOf(tx: Transaction, key: StockRecordKey, closing: Closing, shortfallCleared: boolean): Promise<ClosedDiscrepancy[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: ClosedRow[] }>(
      `UPDATE discrepancies
       SET status = ?, resolved_at = ?::timestamptz, last_seen_at = ?::timestamptz, resolution = ?, resolved_by = ?, note = ?
       WHERE sku = ? AND location_id = ? AND status = 'open' AND (kind = 'count_mismatch' OR (?::boolean AND kind = 'shortfall'))
       RETURNING id::text AS id, kind, first_seen_at`,
      [...closingValues(closing), key.sku, key.locationId, shortfallCleared],
    );
    return rows.map(toClosed);
  }

  async get(id: number): Promise<Discrepancy | undefined> {
    const { rows } = await this.knex.raw<{ rows: DiscrepancyRow[] }>(
      `SELECT ${COLUMNS}, i.on_hand::text AS current_on_hand, i.version::text AS current_version
       FROM discrepancies AS d LEFT JOIN inventory AS i ON i.sku = d.sku AND i.location_id = d.location_id WHERE d.id = ?`,
      [id],
    );
    return rows[0] && toDiscrepancy(rows[0]);
  }

  async lock(tx: Transaction, id: number): Promise<Discrepancy | undefined> {
    const { rows } = await knexTransaction(tx).raw<{ rows: DiscrepancyRow[] }>(`SELECT ${COLUMNS} FROM discrepancies AS d WHERE d.id = ? FOR UPDATE`, [id]);
    return rows[0] && toDiscrepancy(rows[0]);
  }

  async close(tx: Transaction, id: number, closing: Closing): Promise<Discrepancy> {
    const { rows } = await knexTransaction(tx).raw<{ rows: DiscrepancyRow[] }>(
      `UPDATE discrepancies AS d
       SET status = ?, resolved_at = ?::timestamptz, last_seen_at = ?::timestamptz, resolution = ?, resolved_by = ?, note = ?
       WHERE d.id = ? RETURNING ${COLUMNS}`,
      [...closingValues(closing), id],
    );
    return toDiscrepancy(rows[0]!);
  }

  async list(filter: DiscrepancyFilter, beforeId: number | undefined, limit: number): Promise<Discrepancy[]> {
    const { rows } = await this.knex.raw<{ rows: DiscrepancyRow[] }>(
      `SELECT ${COLUMNS}, i.on_hand::text AS current_on_hand, i.version::text AS current_version
       FROM discrepancies AS d LEFT JOIN inventory AS i ON i.sku = d.sku AND i.location_id = d.location_id
       WHERE (?::text IS NULL OR d.status = ?::text) AND (?::text IS NULL OR d.kind = ?::text) AND (?::text IS NULL OR d.sku = ?::text)
         AND (?::bigint IS NULL OR d.run_id = ?::bigint) AND (?::bigint IS NULL OR d.id < ?::bigint)
       ORDER BY d.id DESC LIMIT ?`,
      [
        ...twice(filter.status ?? null),
        ...twice(filter.kind ?? null),
        ...twice(filter.sku ?? null),
        ...twice(filter.runId ?? null),
        ...twice(beforeId ?? null),
        limit,
      ],
    );
    return rows.map(toDiscrepancy);
  }

  async countOpen(): Promise<Record<DiscrepancyKind, number>> {
    const { rows } = await this.knex.raw<{ rows: Array<{ kind: DiscrepancyKind; n: string }> }>(
      `SELECT kind, count(*)::text AS n FROM discrepancies WHERE status = 'open' GROUP BY kind`,
    );
    const open: Record<DiscrepancyKind, number> = { shortfall: 0, count_mismatch: 0 };
    for (const row of rows) open[row.kind] = Number(row.n);
    return open;
  }
}

function differenceRow(d: RecordDifference, extra: object) {
  return {
    sku: d.sku,
    location_id: d.locationId,
    ours: d.ours,
    theirs: d.theirs,
    version: d.version,
    details: { counted: d.counted, reserved: d.reserved, observedAt: d.observedAt.toISOString(), ...extra },
  };
}

function closingValues(c: Closing): Array<string> {
  return [c.status, c.at.toISOString(), c.at.toISOString(), c.resolution, c.resolvedBy, c.note];
}

function twice<T>(value: T): [T, T] {
  return [value, value];
}

function toClosed(row: ClosedRow): ClosedDiscrepancy {
  return { id: Number(row.id), kind: row.kind, firstSeenAt: toDate(row.first_seen_at) };
}

function toDiscrepancy(row: DiscrepancyRow): Discrepancy {
  return {
    id: Number(row.id),
    sku: asSku(row.sku),
    locationId: asLocationId(row.location_id),
    kind: row.kind,
    status: row.status,
    ours: Number(row.ours),
    theirs: Number(row.theirs),
    firstSeenAt: toDate(row.first_seen_at),
    lastSeenAt: toDate(row.last_seen_at),
    resolvedAt: row.resolved_at === null ? undefined : toDate(row.resolved_at),
    resolution: row.resolution,
    resolvedBy: row.resolved_by,
    note: row.note,
    runId: Number(row.run_id),
    stockVersion: Number(row.stock_version),
    current:
      row.current_on_hand === undefined || row.current_on_hand === null
        ? undefined
        : { onHand: Number(row.current_on_hand), version: Number(row.current_version) },
  };
}
