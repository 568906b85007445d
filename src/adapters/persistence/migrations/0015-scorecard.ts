import type { Knex } from "knex";

/**
 * What the migration scorecard (issue 24) measures from, that no table kept before:
 * - `outbox_acknowledgements`: when JetStream acknowledged each event (one row per acknowledged set
 *   the relay marks published, its event ids in an array: no per-event row), for the new path's
 *   freshness (WMS `observed_at` → acknowledged);
 * - `legacy_order_lines`: the order lines legacy reserved against its nightly counts, as legacy
 *   reports them back (like `legacy_inventory_counts` and `legacy_sync_runs`), with the ones it had
 *   to refuse at fulfilment, for the legacy path's oversell baseline;
 * - block-range indexes on the times the scorecard's windows start from (ledger commit time, feed
 *   time): a few pages each, nothing per row on the write path.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE outbox_acknowledgements (
      id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      acked_at  timestamptz NOT NULL,
      event_ids uuid[]      NOT NULL
    )`);
  await knex.raw(`CREATE INDEX outbox_acknowledgements_acked_at ON outbox_acknowledgements USING brin (acked_at) WITH (autosummarize = on)`);
  await knex.raw(`
    CREATE TABLE legacy_order_lines (
      line_id     text        PRIMARY KEY,
      sku         text        COLLATE "C" NOT NULL,
      location_id text        COLLATE "C" NOT NULL,
      quantity    bigint      NOT NULL CHECK (quantity > 0),
      reserved_at timestamptz NOT NULL,
      closed_at   timestamptz,
      status      text        NOT NULL CHECK (status IN ('active', 'released', 'fulfilled', 'refused')),
      CONSTRAINT legacy_order_lines_closed_when_inactive CHECK ((status = 'active') = (closed_at IS NULL))
    )`);
  await knex.raw(`CREATE INDEX legacy_order_lines_reserved_at ON legacy_order_lines (reserved_at)`);
  await knex.raw(`CREATE INDEX legacy_order_lines_by_record ON legacy_order_lines (sku, location_id, reserved_at)`);
  await knex.raw(`CREATE INDEX reservations_created_at ON reservations (created_at)`);
  await knex.raw(`CREATE INDEX inventory_events_timestamp_brin ON inventory_events USING brin ("timestamp") WITH (autosummarize = on)`);
  await knex.raw(`CREATE INDEX legacy_inventory_feed_fed_at_brin ON legacy_inventory_feed USING brin (fed_at) WITH (autosummarize = on)`);
}

/** Drops what {@link up} added. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS legacy_inventory_feed_fed_at_brin, inventory_events_timestamp_brin, reservations_created_at`);
  await knex.raw(`DROP TABLE IF EXISTS legacy_order_lines, outbox_acknowledgements`);
}
