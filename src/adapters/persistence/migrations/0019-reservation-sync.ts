import type { Knex } from "knex";

/**
 * Reservation sync to the WMS (docs/reservations.md, WMS sync contract): `reservation_sync_outbox`
 * holds one message per reservation change (reserved, released, expired, fulfilled), written in the
 * transaction that made the change, keyed by the change's event id (the WMS dedupes by it) and
 * numbered in commit order (`seq`). A message is `pending` until the WMS acknowledged it
 * (`delivered`, with its answer and time) or refused it with a 4xx (`parked`, with the reason,
 * until an operator retries it); a parked message holds back the later messages of its reservation
 * only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE reservation_sync_outbox (
      message_id      uuid        PRIMARY KEY,
      seq             bigserial   NOT NULL UNIQUE,
      reservation_id  uuid        NOT NULL,
      message_type    text        NOT NULL CHECK (message_type IN ('reserved', 'released', 'expired', 'fulfilled')),
      payload         json        NOT NULL,
      created_at      timestamptz NOT NULL,
      status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'parked')),
      attempts        integer     NOT NULL DEFAULT 0,
      last_error      text,
      parked_reason   text,
      parked_at       timestamptz,
      delivered_at    timestamptz,
      acknowledgement text,
      CONSTRAINT reservation_sync_delivered_has_time CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
      CONSTRAINT reservation_sync_parked_has_reason CHECK ((status = 'parked') = (parked_reason IS NOT NULL))
    )`);
  await knex.raw(`CREATE INDEX reservation_sync_pending ON reservation_sync_outbox (seq) WHERE status = 'pending'`);
  await knex.raw(`CREATE INDEX reservation_sync_parked ON reservation_sync_outbox (reservation_id, seq) WHERE status = 'parked'`);
}

/** Drops the sync outbox (undelivered messages are lost: drain it first). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE reservation_sync_outbox`);
}
