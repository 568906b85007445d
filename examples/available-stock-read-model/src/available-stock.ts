import type pg from "pg";
import { isInventoryEvent, type ContinuityIssue, type DeadLetter, type EventHandler, type ReceivedMessage, type RecordState } from "../../../packages/consumer-kit/src/index.js";

/** One row of the read model: available stock of a SKU at a location, as of `version`. */
export interface AvailableStockRow {
  readonly sku: string;
  readonly locationId: string;
  readonly onHand: bigint;
  readonly reserved: bigint;
  readonly available: bigint;
  readonly version: bigint;
}

/**
 * The read model of a downstream service: available stock per SKU and location in its own tables,
 * kept from inventory events through the consumer kit. Every write goes through the batch's
 * transaction client, so the kit's dedupe and version bookkeeping commit with it (exactly once).
 */
export class AvailableStockReadModel implements EventHandler<pg.PoolClient> {
  constructor(readonly pool: pg.Pool) {}

  /** Creates the read model's tables when missing. */
  async migrate(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS available_stock (
      sku text NOT NULL,
      location_id text NOT NULL,
      on_hand bigint NOT NULL,
      reserved bigint NOT NULL,
      available bigint NOT NULL,
      version bigint NOT NULL,
      events_applied bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku, location_id))`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS read_model_dead_letters (
      id bigserial PRIMARY KEY,
      stream_sequence bigint NOT NULL,
      subject text NOT NULL,
      reason text NOT NULL,
      detail text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now())`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS read_model_continuity (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      sku text NOT NULL,
      location_id text NOT NULL,
      last_version bigint NOT NULL,
      version bigint NOT NULL,
      healing text,
      stream_sequence bigint NOT NULL,
      noted_at timestamptz NOT NULL DEFAULT now())`);
  }

  async apply(client: pg.PoolClient, received: ReceivedMessage): Promise<void> {
    if (!isInventoryEvent(received)) return;
    const event = received.message;
    const after = event.after;
    await this.upsert(client, { sku: event.sku, locationId: event.locationId, onHand: after?.onHand ?? 0n, reserved: after?.reserved ?? 0n, available: after?.available ?? 0n, version: event.version }, 1);
  }

  async applyState(client: pg.PoolClient, state: RecordState): Promise<void> {
    await this.upsert(client, state, 0);
  }

  async deadLetter(client: pg.PoolClient, letter: DeadLetter): Promise<void> {
    await client.query(`INSERT INTO read_model_dead_letters (stream_sequence, subject, reason, detail) VALUES ($1, $2, $3, $4)`, [
      letter.raw.streamSequence,
      letter.raw.subject,
      letter.reason,
      letter.detail,
    ]);
  }

  async continuity(client: pg.PoolClient, issue: ContinuityIssue): Promise<void> {
    await client.query(
      `INSERT INTO read_model_continuity (kind, sku, location_id, last_version, version, healing, stream_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [issue.kind, issue.record.sku, issue.record.locationId, issue.lastVersion.toString(), issue.version.toString(), issue.healing ?? null, issue.streamSequence],
    );
  }

  /** Every row, ordered by SKU and location. */
  async rows(): Promise<AvailableStockRow[]> {
    const { rows } = await this.pool.query<{ sku: string; location_id: string; on_hand: string; reserved: string; available: string; version: string }>(
      `SELECT sku, location_id, on_hand::text, reserved::text, available::text, version::text FROM available_stock ORDER BY sku, location_id`,
    );
    return rows.map((r) => ({ sku: r.sku, locationId: r.location_id, onHand: BigInt(r.on_hand), reserved: BigInt(r.reserved), available: BigInt(r.available), version: BigInt(r.version) }));
  }

  private async upsert(client: pg.PoolClient, row: Omit<AvailableStockRow, "sku" | "locationId"> & { sku: string; locationId: string }, applied: number): Promise<void> {
    await client.query(
      `INSERT INTO available_stock (sku, location_id, on_hand, reserved, available, version, events_applied)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, available = excluded.available,
         version = excluded.version, events_applied = available_stock.events_applied + excluded.events_applied, updated_at = now()`,
      [row.sku, row.locationId, row.onHand.toString(), row.reserved.toString(), row.available.toString(), row.version.toString(), applied],
    );
  }
}
