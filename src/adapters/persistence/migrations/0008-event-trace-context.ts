import type { Knex } from "knex";

/**
 * Each outbox row keeps the W3C `traceparent` of the batch (or request) that wrote it, so the relay
 * can continue that trace when it publishes, and send it on in the message headers. Null when
 * tracing was off.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE inventory_events ADD COLUMN trace_context text`);
}

/** Drops the column. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE inventory_events DROP COLUMN trace_context`);
}
