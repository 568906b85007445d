import type pg from "pg";
import { recordId, type ConsumerStore, type ConsumerTransaction, type RecordPosition, type StoreChanges } from "./consumer-store.js";
import type { RecordKey } from "./message-types.js";

/** Settings of a {@link PostgresConsumerStore}. */
export interface PostgresConsumerStoreOptions {
  /** Prefix of the store's three tables (`<prefix>_seen`, `<prefix>_records`, `<prefix>_positions`); default `invsync_consumer`. */
  readonly tablePrefix?: string;
}

/**
 * {@link ConsumerStore} in the consumer's own PostgreSQL database. Each batch is one transaction on
 * one pooled client: the consumer's handlers write through that client (`tx.effect`), and the ids
 * seen, each record's last version and the stream position are written in the same transaction, so
 * either all of a batch's effects and its bookkeeping commit, or none do.
 *
 * Two deliveries of the same message racing (a redelivery after the ack wait while the first is
 * still being handled): the second to commit fails on the seen-id key and rolls back, so the effect
 * still happens once. Records are locked (transaction advisory locks, in key order) when read, so two
 * processes of one consumer never interleave on a record.
 */
export class PostgresConsumerStore implements ConsumerStore<pg.PoolClient> {
  private readonly seenTable: string;
  private readonly recordsTable: string;
  private readonly positionsTable: string;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresConsumerStoreOptions = {},
  ) {
    const prefix = options.tablePrefix ?? "invsync_consumer";
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`tablePrefix "${prefix}" must be a lower-case SQL identifier of at most 41 characters`);
    this.seenTable = `${prefix}_seen`;
    this.recordsTable = `${prefix}_records`;
    this.positionsTable = `${prefix}_positions`;
  }

  /** Creates the store's tables when missing (idempotent; safe when several processes start at once). */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${this.seenTable} migrate`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.seenTable} (
        consumer text NOT NULL,
        event_id text NOT NULL,
        stream_sequence bigint NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id))`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${this.seenTable}_seen_at ON ${this.seenTable} (consumer, seen_at)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.recordsTable} (
        consumer text NOT NULL,
        sku text NOT NULL,
        location_id text NOT NULL,
        version bigint NOT NULL CHECK (version >= 0),
        event_id text NOT NULL,
        stream_sequence bigint NOT NULL,
        from_state boolean NOT NULL,
        PRIMARY KEY (consumer, sku, location_id))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.positionsTable} (
        consumer text PRIMARY KEY,
        stream_sequence bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())`);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async transaction<R>(consumer: string, work: (tx: ConsumerTransaction<pg.PoolClient>) => Promise<R>): Promise<R> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(this.transactionOn(client, consumer));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async position(consumer: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ stream_sequence: string }>(`SELECT stream_sequence::text FROM ${this.positionsTable} WHERE consumer = $1`, [consumer]);
    return rows[0] ? Number(rows[0].stream_sequence) : undefined;
  }

  async prune(consumer: string, before: Date): Promise<number> {
    const result = await this.pool.query(`DELETE FROM ${this.seenTable} WHERE consumer = $1 AND seen_at < $2`, [consumer, before]);
    return result.rowCount ?? 0;
  }

  private transactionOn(client: pg.PoolClient, consumer: string): ConsumerTransaction<pg.PoolClient> {
    return {
      effect: client,
      seen: async (ids) => {
        if (ids.length === 0) return new Set();
        const { rows } = await client.query<{ event_id: string }>(`SELECT event_id FROM ${this.seenTable} WHERE consumer = $1 AND event_id = ANY($2::text[])`, [consumer, ids]);
        return new Set(rows.map((r) => r.event_id));
      },
      records: async (keys: readonly RecordKey[]) => {
        const found = new Map<string, RecordPosition>();
        if (keys.length === 0) return found;
        const lockKeys = [...new Set(keys.map((k) => `${consumer}\u001f${k.sku}\u001f${k.locationId}`))].sort();
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS ordered`, [lockKeys]);
        const { rows } = await client.query<{ sku: string; location_id: string; version: string; event_id: string; stream_sequence: string; from_state: boolean }>(
          `SELECT r.sku, r.location_id, r.version::text, r.event_id, r.stream_sequence::text, r.from_state
             FROM ${this.recordsTable} r
             JOIN unnest($2::text[], $3::text[]) AS k(sku, location_id) ON r.sku = k.sku AND r.location_id = k.location_id
            WHERE r.consumer = $1`,
          [consumer, keys.map((k) => k.sku), keys.map((k) => k.locationId)],
        );
        for (const row of rows) {
          found.set(recordId({ sku: row.sku, locationId: row.location_id }), {
            version: BigInt(row.version),
            eventId: row.event_id,
            streamSequence: Number(row.stream_sequence),
            fromState: row.from_state,
          });
        }
        return found;
      },
      save: async (changes: StoreChanges) => {
        if (changes.seen.length > 0) {
          // A plain INSERT: an id another delivery committed first is a unique violation, and this batch rolls back.
          await client.query(`INSERT INTO ${this.seenTable} (consumer, event_id, stream_sequence) SELECT $1, * FROM unnest($2::text[], $3::bigint[])`, [
            consumer,
            changes.seen.map((s) => s.id),
            changes.seen.map((s) => s.streamSequence),
          ]);
        }
        if (changes.records.length > 0) {
          await client.query(
            `INSERT INTO ${this.recordsTable} (consumer, sku, location_id, version, event_id, stream_sequence, from_state)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::boolean[])
             ON CONFLICT (consumer, sku, location_id) DO UPDATE SET version = excluded.version, event_id = excluded.event_id,
               stream_sequence = excluded.stream_sequence, from_state = excluded.from_state`,
            [
              consumer,
              changes.records.map((r) => r.key.sku),
              changes.records.map((r) => r.key.locationId),
              changes.records.map((r) => r.position.version.toString()),
              changes.records.map((r) => r.position.eventId),
              changes.records.map((r) => r.position.streamSequence),
              changes.records.map((r) => r.position.fromState),
            ],
          );
        }
        await client.query(
          `INSERT INTO ${this.positionsTable} (consumer, stream_sequence) VALUES ($1, $2)
           ON CONFLICT (consumer) DO UPDATE SET stream_sequence = GREATEST(${this.positionsTable}.stream_sequence, excluded.stream_sequence), updated_at = now()`,
          [consumer, changes.streamSequence],
        );
      },
    };
  }
}
