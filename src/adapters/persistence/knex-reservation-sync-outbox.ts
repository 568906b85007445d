import type { Knex } from "knex";
import type { Delivered, ForwardQueue } from "../../outbox/queue-forwarder.js";
import type {
  ReservationSyncOutbox,
  StoredSyncMessage,
  SyncBacklog,
  SyncEntry,
  SyncMessageStatus,
} from "../../reservations/application/reservation-sync-outbox.port.js";
import type { SyncMessage, SyncMessageType } from "../../reservations/domain/sync-message.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings, toDate } from "./row-values.js";

interface MessageRow {
  message_id: string;
  seq: string;
  reservation_id: string;
  message_type: SyncMessageType;
  status: SyncMessageStatus;
  attempts: number;
  last_error: string | null;
  parked_reason: string | null;
  parked_at: Date | string | null;
  delivered_at: Date | string | null;
  acknowledgement: string | null;
  created_at: Date | string;
  body: string;
}

const COLUMNS = `message_id::text AS message_id, seq::text AS seq, reservation_id::text AS reservation_id, message_type, status, attempts,
  last_error, parked_reason, parked_at, delivered_at, acknowledgement, created_at, payload::text AS body`;

/**
 * The reservation sync outbox over `reservation_sync_outbox` (migration 0019): written in the
 * reservation's transaction, read by the forwarder in commit order (`seq`), skipping the messages
 * of a reservation that has an earlier message parked, so one refused message holds back only its
 * own reservation.
 */
export class KnexReservationSyncOutbox implements ReservationSyncOutbox, ForwardQueue<SyncEntry> {
  constructor(private readonly knex: Knex) {}

  async append(tx: Transaction, messages: readonly SyncMessage[]): Promise<void> {
    await knexTransaction(tx).raw(
      `INSERT INTO reservation_sync_outbox (message_id, reservation_id, message_type, payload, created_at)
       SELECT m.id, m.reservation_id, m.type, m.body::json, m.at
       FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::timestamptz[]) WITH ORDINALITY AS m(id, reservation_id, type, body, at, n)
       ORDER BY m.n`,
      bindings(
        messages.map((m) => m.messageId),
        messages.map((m) => m.reservationId),
        messages.map((m) => m.type),
        messages.map((m) => m.body),
        messages.map((m) => m.occurredAt.toISOString()),
      ),
    );
  }

  async undelivered(limit: number): Promise<SyncEntry[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ message_id: string; seq: string; reservation_id: string; body: string }> }>(
      `SELECT message_id::text AS message_id, seq::text AS seq, reservation_id::text AS reservation_id, payload::text AS body
       FROM reservation_sync_outbox o
       WHERE status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM reservation_sync_outbox p WHERE p.status = 'parked' AND p.reservation_id = o.reservation_id AND p.seq < o.seq)
       ORDER BY seq LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({ messageId: row.message_id, seq: BigInt(row.seq), reservationId: row.reservation_id, body: row.body }));
  }

  async markDelivered(entries: readonly SyncEntry[], delivered: Delivered, at: Date): Promise<void> {
    await this.knex.raw(
      `UPDATE reservation_sync_outbox SET status = 'delivered', delivered_at = ?::timestamptz, attempts = attempts + ?, acknowledgement = ?, last_error = NULL
       WHERE message_id = ANY(?::uuid[]) AND status = 'pending'`,
      bindings(at.toISOString(), delivered.attempts, delivered.acknowledgement ?? null, entries.map((e) => e.messageId)),
    );
  }

  async recordFailure(entries: readonly SyncEntry[], attempts: number, error: string): Promise<void> {
    await this.knex.raw(`UPDATE reservation_sync_outbox SET attempts = attempts + ?, last_error = ? WHERE message_id = ANY(?::uuid[])`, bindings(attempts, error, entries.map((e) => e.messageId)));
  }

  async park(entry: SyncEntry, attempts: number, reason: string, at: Date): Promise<void> {
    await this.knex.raw(
      `UPDATE reservation_sync_outbox SET status = 'parked', parked_reason = ?, parked_at = ?::timestamptz, attempts = attempts + ?, last_error = ?
       WHERE message_id = ?::uuid AND status = 'pending'`,
      [reason, at.toISOString(), attempts, reason, entry.messageId],
    );
  }

  /** Puts parked messages back in the queue (`messageIds`, or every parked one when empty); the ids put back. */
  async retryParked(messageIds: readonly string[]): Promise<string[]> {
    const { rows } = await this.knex.raw<{ rows: Array<{ message_id: string }> }>(
      `UPDATE reservation_sync_outbox SET status = 'pending', parked_reason = NULL, parked_at = NULL
       WHERE status = 'parked' AND (cardinality(?::uuid[]) = 0 OR message_id = ANY(?::uuid[]))
       RETURNING message_id::text AS message_id`,
      bindings([...messageIds], [...messageIds]),
    );
    return rows.map((row) => row.message_id).sort();
  }

  /** Up to `limit` messages after `afterSeq` in commit order, of one status or any. */
  async list(status: SyncMessageStatus | undefined, afterSeq: bigint, limit: number): Promise<StoredSyncMessage[]> {
    const { rows } = await this.knex.raw<{ rows: MessageRow[] }>(
      `SELECT ${COLUMNS} FROM reservation_sync_outbox WHERE (?::text IS NULL OR status = ?::text) AND seq > ? ORDER BY seq LIMIT ?`,
      bindings(status ?? null, status ?? null, afterSeq.toString(), limit),
    );
    return rows.map(toStored);
  }

  async backlog(): Promise<SyncBacklog> {
    const { rows } = await this.knex.raw<{ rows: Array<{ pending: string; parked: string; oldest: Date | string | null }> }>(
      `SELECT (SELECT count(*) FROM reservation_sync_outbox WHERE status = 'pending') AS pending,
              (SELECT count(*) FROM reservation_sync_outbox WHERE status = 'parked') AS parked,
              (SELECT min(created_at) FROM reservation_sync_outbox WHERE status = 'pending') AS oldest`,
    );
    const row = rows[0]!;
    return { pending: Number(row.pending), parked: Number(row.parked), oldestPendingAt: row.oldest === null ? undefined : toDate(row.oldest) };
  }
}

function toStored(row: MessageRow): StoredSyncMessage {
  return {
    messageId: row.message_id,
    seq: BigInt(row.seq),
    reservationId: row.reservation_id,
    type: row.message_type,
    status: row.status,
    attempts: Number(row.attempts),
    lastError: row.last_error ?? undefined,
    parkedReason: row.parked_reason ?? undefined,
    parkedAt: row.parked_at === null ? undefined : toDate(row.parked_at),
    deliveredAt: row.delivered_at === null ? undefined : toDate(row.delivered_at),
    acknowledgement: row.acknowledgement ?? undefined,
    createdAt: toDate(row.created_at),
    body: row.body,
  };
}
