import type { Knex } from "knex";

/**
 * The strangler migration's tables. Every inbox row and outbox event records the path that handled
 * it and the flag state that decided it; `sku_routes` remembers each stock record's last path (to
 * see a cutover happen); `shadow_inventory` is the shadow projection (same shape and rules as
 * `inventory`, never published); the legacy hand-off is `legacy_inventory_feed`, and the legacy
 * nightly job reports back in `legacy_inventory_counts` and `legacy_sync_runs`; comparisons and their
 * mismatches are kept as evidence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE wms_updates DROP CONSTRAINT IF EXISTS wms_updates_status_check`);
  await knex.raw(`
    ALTER TABLE wms_updates
      ADD CONSTRAINT wms_updates_status_check CHECK (status IN ('applied', 'stale', 'rejected', 'forwarded', 'shadowed')),
      ADD COLUMN path text CHECK (path IN ('legacy', 'shadow', 'new')),
      ADD COLUMN routing jsonb`);
  // Before this migration every accepted update was applied by the new path.
  await knex.raw(`UPDATE wms_updates SET path = 'new' WHERE status <> 'rejected'`);
  await knex.raw(`CREATE INDEX wms_updates_sku_location ON wms_updates (sku, location_id, observed_at) WHERE status IN ('applied', 'forwarded', 'shadowed')`);

  await knex.raw(`
    ALTER TABLE inventory_events
      ADD COLUMN path text CHECK (path IN ('legacy', 'shadow', 'new')),
      ADD COLUMN routing jsonb`);
  await knex.raw(`UPDATE inventory_events SET path = 'new'`);

  await knex.raw(`
    CREATE TABLE sku_routes (
      sku         text        COLLATE "C" NOT NULL,
      location_id text        COLLATE "C" NOT NULL,
      path        text        NOT NULL CHECK (path IN ('legacy', 'shadow', 'new')),
      flag        text        NOT NULL,
      routing     jsonb       NOT NULL,
      routed_at   timestamptz NOT NULL,
      since       timestamptz NOT NULL,
      PRIMARY KEY (sku, location_id)
    )`);
  await knex.raw(`
    INSERT INTO sku_routes (sku, location_id, path, flag, routing, routed_at, since)
    SELECT sku, location_id, 'new', '', '{"reason":"before_migration"}', updated_at, updated_at FROM inventory`);
  await knex.raw(`CREATE INDEX sku_routes_path ON sku_routes (path, flag)`);

  // The shadow projection has the shape of `inventory` (the same repository code writes both);
  // reservations never touch it.
  await knex.raw(`CREATE TABLE shadow_inventory (LIKE inventory INCLUDING ALL)`);
  await knex.raw(`ALTER TABLE shadow_inventory ADD CONSTRAINT shadow_inventory_no_reservations CHECK (reserved = 0)`);

  await knex.raw(`
    CREATE TABLE legacy_inventory_feed (
      id           bigserial   PRIMARY KEY,
      inbox_id     bigint      NOT NULL UNIQUE REFERENCES wms_updates (id),
      wms_id       text        NOT NULL,
      sequence     bigint      NOT NULL,
      sku          text        NOT NULL,
      location_id  text        NOT NULL,
      quantity     bigint      NOT NULL,
      observed_at  timestamptz NOT NULL,
      path         text        NOT NULL CHECK (path IN ('legacy', 'shadow')),
      payload      jsonb       NOT NULL,
      fed_at       timestamptz NOT NULL,
      delivered_at timestamptz,
      attempts     integer     NOT NULL DEFAULT 0,
      last_error   text
    )`);
  await knex.raw(`CREATE INDEX legacy_inventory_feed_undelivered ON legacy_inventory_feed (id) WHERE delivered_at IS NULL`);
  await knex.raw(`CREATE INDEX legacy_inventory_feed_sku ON legacy_inventory_feed (sku, location_id, id)`);

  await knex.raw(`
    CREATE TABLE legacy_inventory_counts (
      sku         text        COLLATE "C" NOT NULL,
      location_id text        COLLATE "C" NOT NULL,
      on_hand     bigint      NOT NULL CHECK (on_hand >= 0),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku, location_id)
    )`);
  await knex.raw(`
    CREATE TABLE legacy_sync_runs (
      run_id      text        PRIMARY KEY,
      finished_at timestamptz NOT NULL,
      fed_through bigint      NOT NULL DEFAULT 0
    )`);

  await knex.raw(`
    CREATE TABLE shadow_comparisons (
      id            bigserial   PRIMARY KEY,
      trigger       text        NOT NULL CHECK (trigger IN ('legacy_run', 'on_demand')),
      legacy_run_id text,
      started_at    timestamptz NOT NULL,
      finished_at   timestamptz NOT NULL
    )`);
  // One comparison per legacy run, however many replicas watch for runs.
  await knex.raw(`CREATE UNIQUE INDEX shadow_comparisons_legacy_run ON shadow_comparisons (legacy_run_id) WHERE trigger = 'legacy_run'`);
  await knex.raw(`
    CREATE TABLE shadow_comparison_cohorts (
      comparison_id bigint  NOT NULL REFERENCES shadow_comparisons (id) ON DELETE CASCADE,
      cohort        text    NOT NULL,
      compared      integer NOT NULL CHECK (compared >= 0),
      mismatched    integer NOT NULL CHECK (mismatched >= 0 AND mismatched <= compared),
      in_flight     integer NOT NULL CHECK (in_flight >= 0),
      PRIMARY KEY (comparison_id, cohort)
    )`);
  await knex.raw(`
    CREATE TABLE shadow_mismatches (
      comparison_id    bigint      NOT NULL REFERENCES shadow_comparisons (id) ON DELETE CASCADE,
      sku              text        COLLATE "C" NOT NULL,
      location_id      text        COLLATE "C" NOT NULL,
      cohort           text        NOT NULL,
      shadow_on_hand   bigint      NOT NULL,
      legacy_on_hand   bigint,
      shadow_wms_id    text,
      shadow_sequence  bigint,
      PRIMARY KEY (comparison_id, sku, location_id)
    )`);
}

/** Drops the migration tables and columns, and restores the original inbox statuses. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS shadow_mismatches, shadow_comparison_cohorts, shadow_comparisons, legacy_sync_runs,
    legacy_inventory_counts, legacy_inventory_feed, shadow_inventory, sku_routes`);
  await knex.raw(`ALTER TABLE inventory_events DROP COLUMN IF EXISTS path, DROP COLUMN IF EXISTS routing`);
  await knex.raw(`DROP INDEX IF EXISTS wms_updates_sku_location`);
  await knex.raw(`UPDATE wms_updates SET status = 'applied' WHERE status IN ('forwarded', 'shadowed')`);
  await knex.raw(`
    ALTER TABLE wms_updates DROP CONSTRAINT wms_updates_status_check, DROP COLUMN IF EXISTS path, DROP COLUMN IF EXISTS routing,
      ADD CONSTRAINT wms_updates_status_check CHECK (status IN ('applied', 'stale', 'rejected'))`);
}
