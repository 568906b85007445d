import type { Knex } from "knex";

/**
 * The inbox keeps the indexes the write path needs and makes the rest cheap to maintain: every WMS
 * update inserts one row here, and each b-tree index cost one more entry per row (seven in all,
 * ~37 % of PostgreSQL's time under load, measured with pg_stat_statements). Kept: the primary key,
 * the unique (wms_id, sequence) of accepted updates (idempotency) and (sku, location_id,
 * observed_at) of accepted updates (cutover seeding, replay by SKU). Dropped or replaced:
 * - (wms_id, sequence) over every row: no query probes it (gap detection reads every row above each
 *   source's floor, a scan either way; idempotency reads the unique index);
 * - (status, id), for replay by status: rejected rows by a partial index of their own, the others
 *   in primary-key order;
 * - (received_at) by a BRIN index (rows arrive in time order; a few pages, not an entry per row;
 *   `autosummarize` has autovacuum summarise each range once filled);
 * - (sku, received_at): replay by SKU reads the accepted rows' (sku, …) index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX wms_updates_rejected ON wms_updates (id) WHERE status = 'rejected'`);
  await knex.raw(`CREATE INDEX wms_updates_received_at_brin ON wms_updates USING brin (received_at) WITH (autosummarize = on)`);
  await knex.raw(`DROP INDEX wms_updates_source_sequence_all, wms_updates_status, wms_updates_received_at, wms_updates_sku`);
}

/** Restores the b-tree indexes. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX wms_updates_received_at ON wms_updates (received_at)`);
  await knex.raw(`CREATE INDEX wms_updates_sku ON wms_updates (sku, received_at)`);
  await knex.raw(`CREATE INDEX wms_updates_source_sequence_all ON wms_updates (wms_id, sequence)`);
  await knex.raw(`CREATE INDEX wms_updates_status ON wms_updates (status, id)`);
  await knex.raw(`DROP INDEX wms_updates_rejected, wms_updates_received_at_brin`);
}
