import type { Knex } from "knex";

/**
 * Several replicas share the relay's work (docs/operations.md): each row of the relay's queue
 * belongs to one partition, a hash of its stock record (SKU and location, see
 * `src/outbox/outbox-partition.ts`), and each partition is leased by one replica at a time.
 * `relay_replicas` holds each replica's last heartbeat (the live ones split the partitions),
 * `relay_partitions` each partition's holder and when its lease ends, and how often it moved.
 * Rows queued before this migration hold several records' events: they get partition -1, and are
 * published first, by the holder of partition 0, before any partitioned row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE outbox_chunks ADD COLUMN relay_partition integer NOT NULL DEFAULT -1 CHECK (relay_partition >= -1)`);
  await knex.raw(`CREATE INDEX outbox_chunks_partition ON outbox_chunks (relay_partition, id)`);
  await knex.raw(`
    CREATE TABLE relay_replicas (
      replica_id   text        CONSTRAINT relay_replicas_pkey PRIMARY KEY,
      started_at   timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL
    )`);
  await knex.raw(`
    CREATE TABLE relay_partitions (
      relay_partition integer     CONSTRAINT relay_partitions_pkey PRIMARY KEY CHECK (relay_partition >= 0),
      holder          text,
      lease_until     timestamptz NOT NULL,
      moves           bigint      NOT NULL DEFAULT 0,
      moved_at        timestamptz
    )`);
}

/** Back to one relay per database: the partition column and lease tables go. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE relay_partitions`);
  await knex.raw(`DROP TABLE relay_replicas`);
  await knex.raw(`DROP INDEX outbox_chunks_partition`);
  await knex.raw(`ALTER TABLE outbox_chunks DROP COLUMN relay_partition`);
}
