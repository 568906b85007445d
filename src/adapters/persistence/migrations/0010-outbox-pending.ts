import type { Knex } from "knex";

/**
 * The relay's work queue moves out of the ledger into a narrow table of its own. A published event
 * is deleted from `outbox_pending` (no new row version, no index entries) instead of updating the
 * wide ledger row, whose `published_at` in a partial-index predicate made every such update a full
 * non-HOT rewrite. `inventory_events` stays the ledger; an event is published when it is no longer
 * pending.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE outbox_pending (
      seq          bigint      PRIMARY KEY,
      event_id     uuid        NOT NULL,
      type         text        NOT NULL,
      sku          text        NOT NULL,
      committed_at timestamptz NOT NULL,
      observed_at  timestamptz,
      payload      bytea       NOT NULL,
      trace_context text
    )`);
  // A queue table: vacuum after a fixed number of deleted rows, not a share of a small table.
  await knex.raw(`ALTER TABLE outbox_pending SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)`);
  await knex.raw(`
    INSERT INTO outbox_pending (seq, event_id, type, sku, committed_at, observed_at, payload, trace_context)
    SELECT seq, event_id, type, sku, "timestamp", (cause->>'observedAt')::timestamptz, payload, trace_context
    FROM inventory_events WHERE published_at IS NULL`);
  await knex.raw(`ALTER TABLE inventory_events DROP COLUMN payload, DROP COLUMN published_at`);
}

/** Puts the queue back into the ledger. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE inventory_events ADD COLUMN published_at timestamptz, ADD COLUMN payload bytea`);
  await knex.raw(`UPDATE inventory_events SET published_at = now()`);
  await knex.raw(`UPDATE inventory_events AS e SET published_at = NULL, payload = p.payload FROM outbox_pending AS p WHERE p.seq = e.seq`);
  await knex.raw(`CREATE INDEX inventory_events_unpublished ON inventory_events (seq) WHERE published_at IS NULL`);
  await knex.raw(`DROP TABLE outbox_pending`);
}
