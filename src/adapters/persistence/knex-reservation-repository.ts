import type { Knex } from "knex";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import type { Reservation, ReservationStatus } from "../../reservations/domain/reservation.js";
import type { ReservationFilter, ReservationRepository } from "../../reservations/application/reservation-repository.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, toDate } from "./row-values.js";

const COLUMNS = `id::text AS id, sku, location_id, requested_location_id, quantity, order_reference, idempotency_key,
  request_fingerprint, status, expires_at, created_at, updated_at, closed_at, shipment_reference,
  channel, region, routing_rule_id, routing_rule_version, split_group_id::text AS split_group_id`;

interface ReservationRow {
  id: string;
  sku: string;
  location_id: string;
  requested_location_id: string | null;
  quantity: string | number;
  order_reference: string;
  idempotency_key: string;
  request_fingerprint: string;
  status: ReservationStatus;
  expires_at: Date | string;
  created_at: Date | string;
  updated_at: Date | string;
  closed_at: Date | string | null;
  shipment_reference: string;
  channel: string;
  region: string;
  routing_rule_id: string | null;
  routing_rule_version: number | null;
  split_group_id: string | null;
}

/** {@link ReservationRepository} over the `reservations` table. */
export class KnexReservationRepository implements ReservationRepository {
  constructor(private readonly knex: Knex) {}

  async findById(id: string): Promise<Reservation | undefined> {
    return this.one(this.knex, `SELECT ${COLUMNS} FROM reservations WHERE id = ?::uuid`, [id]);
  }

  async findByIdempotencyKey(idempotencyKey: string): Promise<Reservation | undefined> {
    return this.one(this.knex, `SELECT ${COLUMNS} FROM reservations WHERE idempotency_key = ?`, [idempotencyKey]);
  }

  async splitGroup(splitGroupId: string): Promise<Reservation[]> {
    const { rows } = await this.knex.raw<{ rows: ReservationRow[] }>(`SELECT ${COLUMNS} FROM reservations WHERE split_group_id = ?::uuid ORDER BY id`, [splitGroupId]);
    return rows.map(toReservation);
  }

  async list(filter: ReservationFilter): Promise<Reservation[]> {
    const { rows } = await this.knex.raw<{ rows: ReservationRow[] }>(
      `SELECT ${COLUMNS} FROM reservations
       WHERE (?::text IS NULL OR order_reference = ?::text) AND (?::text IS NULL OR sku = ?::text)
         AND (?::text IS NULL OR status = ?::text) AND (?::uuid IS NULL OR id > ?::uuid)
       ORDER BY id LIMIT ?`,
      bindings(
        ...twice(filter.orderReference ?? null),
        ...twice(filter.sku ?? null),
        ...twice(filter.status ?? null),
        ...twice(filter.afterId ?? null),
        filter.limit,
      ),
    );
    return rows.map(toReservation);
  }

  async lockById(tx: Transaction, id: string): Promise<Reservation | undefined> {
    return this.one(knexTransaction(tx), `SELECT ${COLUMNS} FROM reservations WHERE id = ?::uuid FOR UPDATE`, [id]);
  }

  async lockExpired(tx: Transaction, now: Date, limit: number): Promise<Reservation[]> {
    const { rows } = await knexTransaction(tx).raw<{ rows: ReservationRow[] }>(
      `SELECT ${COLUMNS} FROM reservations
       WHERE status = 'active' AND expires_at <= ?::timestamptz
       ORDER BY expires_at, id LIMIT ?
       FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), limit],
    );
    return rows.map(toReservation);
  }

  async insert(tx: Transaction, r: Reservation): Promise<boolean> {
    const { rows } = await knexTransaction(tx).raw<{ rows: unknown[] }>(
      `INSERT INTO reservations (id, sku, location_id, requested_location_id, quantity, order_reference, idempotency_key,
         request_fingerprint, status, expires_at, created_at, updated_at, closed_at, shipment_reference,
         channel, region, routing_rule_id, routing_rule_version, split_group_id)
       VALUES (?::uuid, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?, ?, ?::uuid)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      bindings(
        r.id, r.sku, r.locationId, r.requestedLocationId ?? null, r.quantity, r.orderReference, r.idempotencyKey,
        r.fingerprint, r.status, r.expiresAt.toISOString(), r.createdAt.toISOString(), r.updatedAt.toISOString(),
        r.closedAt?.toISOString() ?? null, r.shipmentReference,
        r.channel ?? "", r.region ?? "", r.routing?.ruleId ?? null, r.routing?.ruleVersion ?? null, r.splitGroupId ?? null,
      ),
    );
    return rows.length === 1;
  }

  async update(tx: Transaction, reservations: readonly Reservation[]): Promise<void> {
    if (reservations.length === 0) return;
    await knexTransaction(tx).raw(
      `UPDATE reservations AS r
       SET status = u.status, expires_at = u.expires_at, closed_at = u.closed_at,
           shipment_reference = u.shipment_reference, updated_at = u.updated_at
       FROM unnest(?::uuid[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::timestamptz[])
         AS u(id, status, expires_at, closed_at, shipment_reference, updated_at)
       WHERE r.id = u.id`,
      bindings(
        reservations.map((r) => r.id),
        reservations.map((r) => r.status),
        reservations.map((r) => r.expiresAt.toISOString()),
        reservations.map((r) => r.closedAt?.toISOString() ?? null),
        reservations.map((r) => r.shipmentReference),
        reservations.map((r) => r.updatedAt.toISOString()),
      ),
    );
  }

  private async one(db: Knex | Knex.Transaction, sql: string, values: readonly Knex.RawBinding[]): Promise<Reservation | undefined> {
    const { rows } = await db.raw<{ rows: ReservationRow[] }>(sql, values);
    return rows[0] ? toReservation(rows[0]) : undefined;
  }
}

function twice<T>(value: T): [T, T] {
  return [value, value];
}

function toReservation(row: ReservationRow): Reservation {
  return {
    id: row.id,
    sku: asSku(row.sku),
    locationId: asLocationId(row.location_id),
    requestedLocationId: row.requested_location_id === null ? undefined : asLocationId(row.requested_location_id),
    quantity: Number(row.quantity),
    orderReference: row.order_reference,
    idempotencyKey: row.idempotency_key,
    fingerprint: row.request_fingerprint,
    status: row.status,
    expiresAt: toDate(row.expires_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    closedAt: row.closed_at === null ? undefined : toDate(row.closed_at),
    shipmentReference: row.shipment_reference,
    channel: row.channel,
    region: row.region,
    ...(row.routing_rule_id === null ? {} : { routing: { ruleId: row.routing_rule_id, ruleVersion: Number(row.routing_rule_version) } }),
    ...(row.split_group_id === null ? {} : { splitGroupId: row.split_group_id }),
  };
}
