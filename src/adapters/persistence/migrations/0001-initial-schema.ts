import type { Knex } from "knex";

/**
 * The seed tables: `inventory` (stock per SKU and location), `wms_updates` (the inbox: every raw
 * WMS update, whatever became of it) and `inventory_events` (the outbox and the ledger).
 * Invariants are enforced here as well as in code: quantities never negative, one accepted update
 * per (wms_id, sequence), `available` derived by the database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE inventory (
      sku              text        COLLATE "C" NOT NULL,
      location_id      text        COLLATE "C" NOT NULL,
      on_hand          bigint      NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
      reserved         bigint      NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      available        bigint      GENERATED ALWAYS AS (GREATEST(on_hand - reserved, 0)) STORED,
      version          bigint      NOT NULL DEFAULT 0,
      last_wms_id      text,
      last_sequence    bigint,
      last_observed_at timestamptz,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku, location_id)
    )`);

  await knex.raw(`
    CREATE TABLE wms_updates (
      id             bigserial   PRIMARY KEY,
      batch_id       text        NOT NULL,
      batch_index    integer     NOT NULL,
      schema_version text        NOT NULL,
      wms_id         text,
      sequence       bigint,
      sku            text,
      location_id    text,
      quantity       bigint,
      observed_at    timestamptz,
      status         text        NOT NULL CHECK (status IN ('applied', 'stale', 'rejected')),
      reject_field   text,
      reject_code    text,
      reject_reason  text,
      payload        jsonb       NOT NULL,
      received_at    timestamptz NOT NULL DEFAULT now(),
      CHECK ((status = 'rejected') = (reject_code IS NOT NULL)),
      CHECK (status = 'rejected' OR (wms_id IS NOT NULL AND sequence IS NOT NULL AND sku IS NOT NULL))
    )`);
  // One accepted update per source and sequence; rejected rows may repeat (a WMS may resend a bad update).
  await knex.raw(
    `CREATE UNIQUE INDEX wms_updates_source_sequence ON wms_updates (wms_id, sequence) WHERE status <> 'rejected'`,
  );
  await knex.raw(`CREATE INDEX wms_updates_received_at ON wms_updates (received_at)`);
  await knex.raw(`CREATE INDEX wms_updates_sku ON wms_updates (sku, received_at)`);

  await knex.raw(`
    CREATE TABLE inventory_events (
      seq             bigserial   PRIMARY KEY,
      event_id        uuid        NOT NULL UNIQUE,
      type            text        NOT NULL,
      sku             text        NOT NULL,
      location_id     text        NOT NULL,
      delta           bigint      NOT NULL,
      source          text        NOT NULL,
      "timestamp"     timestamptz NOT NULL,
      before_on_hand  bigint      NOT NULL,
      before_reserved bigint      NOT NULL,
      after_on_hand   bigint      NOT NULL,
      after_reserved  bigint      NOT NULL,
      version         bigint      NOT NULL,
      cause           jsonb       NOT NULL,
      published_at    timestamptz
    )`);
  // The relay's work queue: only unpublished rows, in commit order.
  await knex.raw(`CREATE INDEX inventory_events_unpublished ON inventory_events (seq) WHERE published_at IS NULL`);
  await knex.raw(`CREATE INDEX inventory_events_sku ON inventory_events (sku, seq)`);
}

/** Drops the seed tables. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS inventory_events, wms_updates, inventory`);
}
