import type { Knex } from "knex";

/**
 * The outbox keeps each event encoded for the bus (`payload`), written once at append time, so the
 * relay only moves bytes. Required for every event from now on: the service encodes at append.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE inventory_events ADD COLUMN payload bytea`);
  // Events written before this migration were published by then or cannot be encoded by SQL; the
  // service refuses to start with unpublished rows lacking a payload rather than publish them empty.
  const { rows } = await knex.raw(`SELECT count(*)::int AS n FROM inventory_events WHERE payload IS NULL AND published_at IS NULL`);
  if (rows[0].n > 0) {
    throw new Error(
      `${rows[0].n} unpublished events predate the outbox payload column; publish them with the previous release before upgrading`,
    );
  }
  await knex.raw(`UPDATE inventory_events SET payload = '' WHERE payload IS NULL`);
  await knex.raw(`ALTER TABLE inventory_events ALTER COLUMN payload SET NOT NULL`);
}

/** Drops the payload column. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE inventory_events DROP COLUMN payload`);
}
