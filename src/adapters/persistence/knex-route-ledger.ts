import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import type { InboxRoute, LatestCount, RecordDecision, RouteLedger } from "../../migration/application/route-ledger.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { storeRoute } from "./route-json.js";
import { bindings, toDate } from "./row-values.js";

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
    const skus = decisions.map((d) => d.sku);
    const locations = decisions.map((d) => d.locationId);
    const { rows } = await trx.raw<{ rows: Array<{ sku: string; location_id: string; path: IngestionPath }> }>(
      `SELECT sku, location_id, path FROM sku_routes
       WHERE (sku, location_id) IN (SELECT * FROM unnest(?::text[], ?::text[]))
       ORDER BY sku, location_id
       FOR UPDATE`,
      [skus, locations],
    );
    await trx.raw(
      `INSERT INTO sku_routes AS r (sku, location_id, path, flag, routing, routed_at, since)
       SELECT d.sku, d.location_id, d.path, d.flag, d.routing::jsonb, ?::timestamptz, ?::timestamptz
       FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS d(sku, location_id, path, flag, routing)
       ORDER BY 1, 2
       ON CONFLICT (sku, location_id) DO UPDATE
       SET path = excluded.path, flag = excluded.flag, routing = excluded.routing, routed_at = excluded.routed_at,
           since = CASE WHEN r.path = excluded.path THEN r.since ELSE excluded.since END`,
      bindings(
        at.toISOString(),
        at.toISOString(),
        skus,
        locations,
        decisions.map((d) => d.decision.path),
        decisions.map((d) => d.decision.flag),
        decisions.map((d) => storeRoute({ decision: d.decision })),
      ),
    );
    return new Map(rows.map((row) => [stockKey(row.sku, row.location_id), row.path]));
  }

  async markInbox(tx: Transaction, routes: readonly InboxRoute[]): Promise<void> {
    if (routes.length === 0) return;
    await knexTransaction(tx).raw(
      `UPDATE wms_updates AS w SET path = r.path, routing = r.routing::jsonb, status = r.status
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS r(id, path, routing, status)
       WHERE w.id = r.id`,
      bindings(
        routes.map((r) => r.inboxId),
        routes.map((r) => r.decision.path),
        routes.map((r) => storeRoute({ decision: r.decision })),
        routes.map((r) => r.status),
      ),
    );
  }

  async latestCounts(tx: Transaction, keys: readonly StockRecordKey[], exceptInboxIds: readonly string[]): Promise<LatestCount[]> {
    if (keys.length === 0) return [];
    // The latest count of each record; then what it holds now: the shadow projection's on_hand when
    // the projection was built on that count (it has applied the movements since), else the count
    // plus the single-leg movements the inbox took in after it.
    const { rows } = await knexTransaction(tx).raw<{ rows: LatestRow[] }>(
      `WITH latest AS (
         SELECT DISTINCT ON (k.sku, k.location_id) k.sku, k.location_id, w.wms_id, w.sequence, w.quantity,
           w.observed_at, w.batch_id, w.schema_version
         FROM unnest(?::text[], ?::text[]) AS k(sku, location_id)
         JOIN wms_updates AS w ON w.sku = k.sku AND w.location_id = k.location_id
           AND w.update_kind = 'count' AND w.status IN ('applied', 'forwarded', 'shadowed') AND w.id <> ALL(?::bigint[])
         ORDER BY k.sku, k.location_id, w.observed_at DESC, w.sequence DESC)
       SELECT l.sku, l.location_id, l.wms_id, l.sequence::text AS sequence, l.observed_at, l.batch_id, l.schema_version,
         (s.last_wms_id IS NOT NULL AND s.last_wms_id = l.wms_id AND s.last_sequence = l.sequence) AS from_shadow,
         CASE WHEN s.last_wms_id = l.wms_id AND s.last_sequence = l.sequence THEN s.on_hand
              ELSE greatest(l.quantity + coalesce((
                SELECT sum(m.quantity) FROM wms_updates AS m
                WHERE m.sku = l.sku AND m.location_id = l.location_id AND m.update_kind = 'movement'
                  AND m.status IN ('applied', 'forwarded', 'shadowed') AND m.id <> ALL(?::bigint[])
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
