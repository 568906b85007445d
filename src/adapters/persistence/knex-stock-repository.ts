import type { Knex } from "knex";
import type { MovedAfterQuery, StockPage, StockRecordKey, StockRepository } from "../../inventory/application/stock-repository.port.js";
import type { MovedUnits } from "../../inventory/domain/apply-stock-counts.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku, type Sku } from "../../inventory/domain/sku.js";
import { stockKey, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, toDate } from "./row-values.js";
import { rowSet } from "./row-set.js";

/** The columns of a stock record, as {@link toStockLevel} reads them. */
export const COLUMNS = `sku, location_id, on_hand, reserved, version, last_wms_id, last_sequence::text AS last_sequence,
  last_observed_at, updated_at, damaged, quality_hold, last_move_wms_id, last_move_sequence::text AS last_move_sequence,
  last_move_observed_at`;

/** A row of `inventory` as read with {@link COLUMNS}. */
export interface StockRow {
  sku: string;
  location_id: string;
  on_hand: string | number;
  reserved: string | number;
  version: string | number;
  last_wms_id: string | null;
  last_sequence: string | null;
  last_observed_at: Date | string | null;
  updated_at: Date | string;
  damaged: string | number;
  quality_hold: string | number;
  last_move_wms_id: string | null;
  last_move_sequence: string | null;
  last_move_observed_at: Date | string | null;
}

/** The columns of a saved stock record, in {@link KnexStockRepository.saveCounts}'s row set. */
const SAVED_COLUMNS = {
  sku: "text",
  location_id: "text",
  on_hand: "bigint",
  version: "bigint",
  wms_id: "text",
  seq: "bigint",
  observed_at: "timestamptz",
  updated_at: "timestamptz",
  damaged: "bigint",
  quality_hold: "bigint",
  move_wms_id: "text",
  move_seq: "bigint",
  move_observed_at: "timestamptz",
} as const;

/** The tables of stock records: live stock, and the strangler migration's shadow projection (same shape). */
export type StockTable = "inventory" | "shadow_inventory";

/** {@link StockRepository} over the `inventory` table (or its shadow), in sets: one statement per step of a batch. */
export class KnexStockRepository implements StockRepository {
  constructor(
    private readonly knex: Knex,
    private readonly table: StockTable = "inventory",
  ) {}

  async lockForUpdate(tx: Transaction, keys: readonly StockRecordKey[]): Promise<Map<string, StockLevel>> {
    const trx = knexTransaction(tx);
    const keyRows = rowSet(trx, "k", { s: "text", l: "text" }, keys.map((k) => ({ s: k.sku, l: k.locationId })));
    // Create missing records first (in key order, so concurrent batches wait rather than deadlock),
    // then lock every record in key order.
    await trx.raw(
      `INSERT INTO ${this.table} (sku, location_id)
       SELECT k.s, k.l FROM ${keyRows.from}
       ORDER BY k.s COLLATE "C", k.l COLLATE "C"
       ON CONFLICT DO NOTHING`,
      keyRows.bindings,
    );
    const { rows } = await trx.raw<{ rows: StockRow[] }>(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE (sku, location_id) IN (SELECT k.s, k.l FROM ${keyRows.from})
       ORDER BY sku, location_id
       FOR UPDATE`,
      keyRows.bindings,
    );
    return new Map(rows.map((row) => [stockKey(row.sku, row.location_id), toStockLevel(row)]));
  }

  async saveCounts(tx: Transaction, levels: readonly StockLevel[]): Promise<void> {
    if (levels.length === 0) return;
    const trx = knexTransaction(tx);
    const saved = rowSet(
      trx,
      "u",
      SAVED_COLUMNS,
      levels.map((l) => ({
        sku: l.sku,
        location_id: l.locationId,
        on_hand: l.onHand,
        version: l.version,
        wms_id: l.watermark?.wmsId ?? null,
        seq: l.watermark?.sequence ?? null,
        observed_at: l.watermark?.observedAt ?? null,
        updated_at: l.updatedAt,
        damaged: l.nonSellable?.damaged ?? 0,
        quality_hold: l.nonSellable?.qualityHold ?? 0,
        move_wms_id: l.movementWatermark?.wmsId ?? null,
        move_seq: l.movementWatermark?.sequence ?? null,
        move_observed_at: l.movementWatermark?.observedAt ?? null,
      })),
    );
    await trx.raw(
      `UPDATE ${this.table} AS i
       SET on_hand = u.on_hand, version = u.version, last_wms_id = u.wms_id, last_sequence = u.seq,
           last_observed_at = u.observed_at, updated_at = u.updated_at, damaged = u.damaged, quality_hold = u.quality_hold,
           last_move_wms_id = u.move_wms_id, last_move_sequence = u.move_seq, last_move_observed_at = u.move_observed_at
       FROM ${saved.from}
       WHERE i.sku = u.sku AND i.location_id = u.location_id`,
      saved.bindings,
    );
  }

  async movedAfter(tx: Transaction, queries: readonly MovedAfterQuery[]): Promise<MovedUnits[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: Array<{ i: string; status: string; moved: string }> }>(
      `SELECT q.i, e.cause->'movement'->>'status' AS status, sum(e.delta)::text AS moved
       FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY AS q(sku, location_id, wms_id, after_seq, i)
       JOIN inventory_events e ON e.type = 'StockMoved' AND e.sku = q.sku AND e.location_id = q.location_id
         AND e.cause->>'wmsId' = q.wms_id AND (e.cause->>'sequence')::numeric > q.after_seq
       GROUP BY q.i, status`,
      bindings(
        queries.map((q) => q.sku),
        queries.map((q) => q.locationId),
        queries.map((q) => q.wmsId),
        queries.map((q) => q.afterSequence.toString()),
      ),
    );
    const moved = queries.map(() => ({ sellable: 0, damaged: 0, qualityHold: 0 }));
    for (const row of rows) {
      const units = moved[Number(row.i) - 1]!;
      if (row.status === "sellable") units.sellable += Number(row.moved);
      else if (row.status === "damaged") units.damaged += Number(row.moved);
      else if (row.status === "quality_hold") units.qualityHold += Number(row.moved);
    }
    return moved;
  }

  async findBySku(sku: Sku): Promise<StockLevel[]> {
    const { rows } = await this.knex.raw<{ rows: StockRow[] }>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE sku = ? ORDER BY location_id`,
      [sku],
    );
    return rows.map(toStockLevel);
  }

  async listSkus(params: { afterSku: string | undefined; limit: number; skuPrefix: string | undefined }): Promise<StockPage> {
    const prefixPattern = params.skuPrefix === undefined ? null : `${params.skuPrefix.replace(/[\\%_]/g, "\\$&")}%`;
    const { rows } = await this.knex.raw<{ rows: StockRow[] }>(
      `WITH page AS (
         SELECT DISTINCT sku FROM ${this.table}
         WHERE (?::text IS NULL OR sku > ?::text) AND (?::text IS NULL OR sku LIKE ?::text)
         ORDER BY sku LIMIT ?
       )
       SELECT ${COLUMNS} FROM ${this.table} JOIN page USING (sku) ORDER BY sku, location_id`,
      [params.afterSku ?? null, params.afterSku ?? null, prefixPattern, prefixPattern, params.limit + 1],
    );
    const bySku = new Map<string, StockLevel[]>();
    for (const row of rows) {
      const levels = bySku.get(row.sku) ?? [];
      levels.push(toStockLevel(row));
      bySku.set(row.sku, levels);
    }
    const skus = [...bySku.entries()].map(([sku, levels]) => ({ sku: asSku(sku), levels }));
    return { skus: skus.slice(0, params.limit), hasMore: skus.length > params.limit };
  }
}

/** A row of `inventory` as a stock record. */
export function toStockLevel(row: StockRow): StockLevel {
  return {
    sku: asSku(row.sku),
    locationId: asLocationId(row.location_id),
    onHand: Number(row.on_hand),
    reserved: Number(row.reserved),
    version: Number(row.version),
    watermark:
      row.last_wms_id === null || row.last_sequence === null || row.last_observed_at === null
        ? undefined
        : { wmsId: row.last_wms_id, sequence: BigInt(row.last_sequence), observedAt: toDate(row.last_observed_at) },
    updatedAt: toDate(row.updated_at),
    movementWatermark:
      row.last_move_wms_id === null || row.last_move_sequence === null || row.last_move_observed_at === null
        ? undefined
        : { wmsId: row.last_move_wms_id, sequence: BigInt(row.last_move_sequence), observedAt: toDate(row.last_move_observed_at) },
    ...(Number(row.damaged) > 0 || Number(row.quality_hold) > 0
      ? { nonSellable: { damaged: Number(row.damaged), qualityHold: Number(row.quality_hold) } }
      : {}),
  };
}
