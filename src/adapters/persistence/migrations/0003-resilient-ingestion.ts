import type { Knex } from "knex";

/**
 * Resilient WMS ingestion (issue 3): non-sellable stock and the count watermark on `inventory`,
 * non-sellable quantities on events, replay marks on the inbox, and the tables behind pause /
 * resume, signature replay protection, pull cursors, file drop and gap detection.
 */
export async function up(knex: Knex): Promise<void> {
  // on_hand stays the sellable count; damaged and quality-hold units are kept apart and never available.
  // last_* stays the newest absolute count; last_move_* is the newest movement: a count older than
  // it is rebased on the movements after it.
  await knex.raw(`
    ALTER TABLE inventory
      ADD COLUMN damaged bigint NOT NULL DEFAULT 0 CHECK (damaged >= 0),
      ADD COLUMN quality_hold bigint NOT NULL DEFAULT 0 CHECK (quality_hold >= 0),
      ADD COLUMN last_move_wms_id text,
      ADD COLUMN last_move_sequence bigint,
      ADD COLUMN last_move_observed_at timestamptz`);
  // Rebasing a late count sums the movements after it from the ledger.
  await knex.raw(`CREATE INDEX inventory_events_moves ON inventory_events (sku, location_id, (cause->>'wmsId')) WHERE type = 'StockMoved'`);

  await knex.raw(`ALTER TABLE inventory_events ADD COLUMN non_sellable jsonb`);

  // A rejected update that a replay sent through ingestion again; the new attempt is a row of its own.
  await knex.raw(`ALTER TABLE wms_updates ADD COLUMN replayed_at timestamptz, ADD COLUMN replay_batch_id text`);
  await knex.raw(`CREATE INDEX wms_updates_source_sequence_all ON wms_updates (wms_id, sequence)`);
  await knex.raw(`CREATE INDEX wms_updates_status ON wms_updates (status, id)`);

  // One row: every replica reads it before applying a WMS batch.
  await knex.raw(`
    CREATE TABLE ingestion_control (
      singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
      paused     boolean     NOT NULL DEFAULT false,
      reason     text        NOT NULL DEFAULT '',
      changed_at timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw(`INSERT INTO ingestion_control (singleton) VALUES (true)`);

  // Signatures seen within the tolerance window, shared by every replica; older rows are pruned.
  await knex.raw(`
    CREATE TABLE wms_signatures_seen (
      signature text        PRIMARY KEY,
      seen_at   timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw(`CREATE INDEX wms_signatures_seen_at ON wms_signatures_seen (seen_at)`);

  await knex.raw(`
    CREATE TABLE wms_pull_cursors (
      wms_id        text        PRIMARY KEY,
      last_sequence bigint      NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
      last_error    text        NOT NULL DEFAULT '',
      updated_at    timestamptz NOT NULL DEFAULT now()
    )`);

  // Every dropped file, by content hash: a file with the same content is ingested once.
  await knex.raw(`
    CREATE TABLE wms_files (
      content_hash text        PRIMARY KEY,
      file_name    text        NOT NULL,
      status       text        NOT NULL CHECK (status IN ('ingesting', 'processed', 'failed')),
      report       jsonb,
      started_at   timestamptz NOT NULL DEFAULT now(),
      finished_at  timestamptz
    )`);

  // Per source, every sequence up to contiguous_through has arrived: gap scans start above it.
  await knex.raw(`
    CREATE TABLE wms_sequence_floors (
      wms_id             text   PRIMARY KEY,
      contiguous_through bigint NOT NULL
    )`);
}

/** Drops what {@link up} added. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS wms_sequence_floors, wms_files, wms_pull_cursors, wms_signatures_seen, ingestion_control`);
  await knex.raw(`DROP INDEX IF EXISTS wms_updates_source_sequence_all, wms_updates_status, inventory_events_moves`);
  await knex.raw(`ALTER TABLE wms_updates DROP COLUMN replayed_at, DROP COLUMN replay_batch_id`);
  await knex.raw(`ALTER TABLE inventory_events DROP COLUMN non_sellable`);
  await knex.raw(`
    ALTER TABLE inventory DROP COLUMN damaged, DROP COLUMN quality_hold, DROP COLUMN last_move_wms_id,
      DROP COLUMN last_move_sequence, DROP COLUMN last_move_observed_at`);
}
