import type { Knex } from "knex";

/**
 * Reservations and what they touch: `reservations` (one row per hold; `inventory.reserved` is the
 * sum of the active ones, kept in the same transaction), `pending_shipments` (units fulfilled locally
 * that WMS counts may not include yet) and `discrepancies` (shortfalls now; reconciliation extends
 * the kinds and statuses later). Invariants are enforced here as well as in code.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE reservations (
      id                    uuid        PRIMARY KEY,
      sku                   text        COLLATE "C" NOT NULL,
      location_id           text        COLLATE "C" NOT NULL,
      requested_location_id text        COLLATE "C",
      quantity              bigint      NOT NULL CHECK (quantity > 0),
      order_reference       text        NOT NULL,
      idempotency_key       text        NOT NULL,
      request_fingerprint   text        NOT NULL,
      status                text        NOT NULL CHECK (status IN ('active', 'released', 'expired', 'fulfilled')),
      expires_at            timestamptz NOT NULL,
      created_at            timestamptz NOT NULL,
      updated_at            timestamptz NOT NULL,
      closed_at             timestamptz,
      shipment_reference    text        NOT NULL DEFAULT '',
      CONSTRAINT reservations_idempotency_key UNIQUE (idempotency_key),
      CONSTRAINT reservations_closed_when_inactive CHECK ((status = 'active') = (closed_at IS NULL)),
      CONSTRAINT reservations_stock_record FOREIGN KEY (sku, location_id) REFERENCES inventory (sku, location_id)
    )`);
  // The sweeper's work queue, and the drift check's sum per record: both only over active rows.
  await knex.raw(`CREATE INDEX reservations_due ON reservations (expires_at) WHERE status = 'active'`);
  await knex.raw(`CREATE INDEX reservations_active_by_record ON reservations (sku, location_id) INCLUDE (quantity) WHERE status = 'active'`);
  await knex.raw(`CREATE INDEX reservations_by_order ON reservations (order_reference, id)`);
  await knex.raw(`CREATE INDEX reservations_by_sku ON reservations (sku, id)`);

  await knex.raw(`
    CREATE TABLE pending_shipments (
      reservation_id uuid        PRIMARY KEY REFERENCES reservations (id),
      sku            text        COLLATE "C" NOT NULL,
      location_id    text        COLLATE "C" NOT NULL,
      quantity       bigint      NOT NULL CHECK (quantity > 0),
      shipped_at     timestamptz NOT NULL,
      CONSTRAINT pending_shipments_stock_record FOREIGN KEY (sku, location_id) REFERENCES inventory (sku, location_id)
    )`);
  await knex.raw(`CREATE INDEX pending_shipments_by_record ON pending_shipments (sku, location_id, shipped_at)`);

  await knex.raw(`
    CREATE TABLE discrepancies (
      id            bigserial   PRIMARY KEY,
      sku           text        COLLATE "C" NOT NULL,
      location_id   text        COLLATE "C" NOT NULL,
      kind          text        NOT NULL,
      status        text        NOT NULL,
      ours          bigint      NOT NULL,
      theirs        bigint      NOT NULL,
      difference    bigint      NOT NULL,
      first_seen_at timestamptz NOT NULL,
      last_seen_at  timestamptz NOT NULL,
      resolved_at   timestamptz,
      resolution    text,
      details       jsonb       NOT NULL DEFAULT '{}',
      CONSTRAINT discrepancies_kind_known CHECK (kind IN ('shortfall')),
      CONSTRAINT discrepancies_status_known CHECK (status IN ('open', 'resolved')),
      CONSTRAINT discrepancies_difference CHECK (difference = theirs - ours),
      CONSTRAINT discrepancies_resolved_when_closed CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
    )`);
  // At most one open discrepancy of a kind per record: a repeated observation refreshes it.
  await knex.raw(`CREATE UNIQUE INDEX discrepancies_open_per_record ON discrepancies (sku, location_id, kind) WHERE status = 'open'`);
  await knex.raw(`CREATE INDEX discrepancies_by_status ON discrepancies (status, last_seen_at)`);
}

/** Drops the reservation tables. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS discrepancies, pending_shipments, reservations`);
}
