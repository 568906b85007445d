import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import type { LatestCount, RecordDecision, RouteLedger } from "../../migration/application/route-ledger.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { RouteDocuments } from "./route-documents.js";
import { bindings, toDate } from "./row-values.js";
import { rowSet } from "./row-set.js";

interface LatestRow {
  sku: string;
  location_id: string;
  wms_id: string;
  sequence: string;
  quantity: string | number;
  observed_at: Date | string;
  batch_id: string;
  schema_version: string;
  from_shadow: boolean;
}

/** {@link RouteLedger} over `sku_routes` and the inbox's path columns: one statement per step of a batch. */
export class KnexRouteLedger implements RouteLedger {
  async recordDecisions(tx: Transaction, decisions: readonly RecordDecision[], at: Date): Promise<Map<string, IngestionPath>> {
    if (decisions.length === 0) return new Map();
    const trx = knexTransaction(tx);
    const routes = new RouteDocuments();
    const rows = rowSet(
      trx,
      "d",
      { sku: "text", location_id: "text", path: "text", flag: "text", ri: "int" },
      decisions.map((d) => ({ sku: d.sku, location_id: d.locationId, path: d.decision.path, flag: d.decision.flag, ri: routes.position({ decision: d.decision }) })),
    );
    // One statement: the upsert locks every record it meets in key order, conflicting or not (ON
    // CONFLICT DO UPDATE locks the row even when its WHERE is false), and sees its latest version.
    // A decision equal to the stored one writes nothing and returns nothing (a steady cohort costs
    // no row versions): its previous path is its path. A changed one returns the path it replaced
    // (kept as previous_path, read from the row being replaced); a new record returns it null.
    const { rows: written } = await trx.raw<{ rows: Array<{ sku: string; location_id: string; previous_path: IngestionPath | null }> }>(
      `INSERT INTO sku_routes AS r (sku, location_id, path, flag, routing, routed_at, since)
       SELECT d.sku, d.location_id, d.path, d.flag, (?::jsonb) -> d.ri, ?::timestamptz, ?::timestamptz
       FROM ${rows.from}
       ORDER BY d.sku COLLATE "C", d.location_id COLLATE "C"
       ON CONFLICT (sku, location_id) DO UPDATE
       SET path = excluded.path, flag = excluded.flag, routing = excluded.routing, routed_at = excluded.routed_at,
           since = CASE WHEN r.path = excluded.path THEN r.since ELSE excluded.since END, previous_path = r.path
       WHERE r.path IS DISTINCT FROM excluded.path OR r.flag IS DISTINCT FROM excluded.flag OR r.routing IS DISTINCT FROM excluded.routing
       RETURNING r.sku, r.location_id, r.previous_path`,
      bindings(routes.toJson(), at.toISOString(), at.toISOString(), ...rows.bindings),
    );
    const changed = new Map(written.map((row) => [stockKey(row.sku, row.location_id), row]));
    const previous = new Map<string, IngestionPath>();
    for (const { sku, locationId, decision } of decisions) {
      const key = stockKey(sku, locationId);
      const row = changed.get(key);
      if (!row) previous.set(key, decision.path);
      else if (row.previous_path !== null) previous.set(key, row.previous_path);
    }
    return previous;
  }

  async latestCounts(tx: Transaction, keys: readonly StockRecordKey[], exceptInboxIds: readonly string[]): Promise<LatestCount[]> {
    if (keys.length === 0) return [];
    // The latest count of each record (one index probe per record, never a scan of the inbox; the
    // batch's own rows excluded by a hashed set, not compared one by one); then what it holds now: the shadow projection's on_hand when
    // the projection was built on that count (it has applied the movements since), else the count
    // plus the single-leg movements the inbox took in after it.
    const { rows } = await knexTransaction(tx).raw<{ rows: LatestRow[] }>(
      `WITH latest AS (
         SELECT k.sku, k.location_id, w.wms_id, w.sequence, w.quantity, w.observed_at, w.batch_id, w.schema_version
         FROM unnest(?::text[], ?::text[]) AS k(sku, location_id)
         CROSS JOIN LATERAL (
           SELECT w.wms_id, w.sequence, w.quantity, w.observed_at, w.batch_id, w.schema_version FROM wms_updates AS w
           WHERE w.sku = k.sku AND w.location_id = k.location_id AND w.update_kind = 'count'
             AND w.status IN ('applied', 'forwarded', 'shadowed') AND w.id NOT IN (SELECT unnest(?::bigint[]))
           ORDER BY w.observed_at DESC, w.sequence DESC LIMIT 1) AS w)
       SELECT l.sku, l.location_id, l.wms_id, l.sequence::text AS sequence, l.observed_at, l.batch_id, l.schema_version,
         (s.last_wms_id IS NOT NULL AND s.last_wms_id = l.wms_id AND s.last_sequence = l.sequence) AS from_shadow,
         CASE WHEN s.last_wms_id = l.wms_id AND s.last_sequence = l.sequence THEN s.on_hand
              ELSE greatest(l.quantity + coalesce((
                SELECT sum(m.quantity) FROM wms_updates AS m
                WHERE m.sku = l.sku AND m.location_id = l.location_id AND m.update_kind = 'movement'
                  AND m.status IN ('applied', 'forwarded', 'shadowed') AND m.id NOT IN (SELECT unnest(?::bigint[]))
                  AND CASE WHEN m.wms_id = l.wms_id THEN m.sequence > l.sequence ELSE m.observed_at > l.observed_at END), 0), 0)
         END AS quantity
       FROM latest AS l
       LEFT JOIN shadow_inventory AS s ON s.sku = l.sku AND s.location_id = l.location_id`,
      bindings(
        keys.map((k) => k.sku),
        keys.map((k) => k.locationId),
        exceptInboxIds,
        exceptInboxIds,
      ),
    );
    return rows.map((row) => ({
      seededFrom: row.from_shadow ? "shadow_projection" : "inbox",
      count: {
        sku: asSku(row.sku),
        locationId: asLocationId(row.location_id),
        quantity: Number(row.quantity),
        observedAt: toDate(row.observed_at),
        // The WMS's own status is only known to the ACL; a seed is reported as the snapshot it is.
        reason: "snapshot",
        origin: { wmsId: row.wms_id, sequence: BigInt(row.sequence), batchId: row.batch_id, schemaVersion: row.schema_version },
      },
    }));
  }
}

