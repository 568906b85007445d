import type { Knex } from "knex";
import { decodeChunk } from "../outbox-frames.js";
import { bindings } from "../row-values.js";

/**
 * The relay's queue keeps one row per chunk of a transaction's events (up to a relay batch), their
 * messages framed in one `bytea` (see `outbox-frames.ts`), instead of one row per event: appending
 * a batch's events writes a row per chunk, the relay reads a chunk per row, and publishing a chunk
 * deletes one row. `sent` counts the chunk's first messages the bus has acknowledged (the rest of a
 * chunk whose publish broke off). Pending events move over as one-message chunks, oldest first.
 * `outbox_pending` becomes a view of the pending events (id, type, SKU), for operators.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE outbox_chunks (
      id            bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT outbox_chunks_pkey PRIMARY KEY,
      events        integer     NOT NULL CHECK (events > 0),
      sent          integer     NOT NULL DEFAULT 0 CHECK (sent >= 0 AND sent < events),
      committed_at  timestamptz NOT NULL,
      trace_context text,
      messages      bytea       NOT NULL
    )`);
  // Already compact protobuf: stored out of line without compressing it on every append.
  await knex.raw(`ALTER TABLE outbox_chunks ALTER COLUMN messages SET STORAGE EXTERNAL`);
  // A queue table: vacuum after a fixed number of deleted rows (and of their TOAST chunks).
  await knex.raw(`ALTER TABLE outbox_chunks SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 200,
    toast.autovacuum_vacuum_scale_factor = 0, toast.autovacuum_vacuum_threshold = 20000)`);
  await knex.raw(`
    INSERT INTO outbox_chunks (events, committed_at, trace_context, messages)
    SELECT 1, committed_at, trace_context,
      uuid_send(event_id) || int2send(octet_length(type)::int2) || convert_to(type, 'UTF8')
        || int2send(octet_length(sku)::int2) || convert_to(sku, 'UTF8')
        || float8send((extract(epoch FROM committed_at) * 1000)::float8)
        || float8send(coalesce((extract(epoch FROM observed_at) * 1000)::float8, 'NaN'::float8))
        || int4send(octet_length(payload)) || payload
    FROM outbox_pending ORDER BY seq`);
  await knex.raw(`DROP TABLE outbox_pending`);
  await knex.raw(CHUNK_MESSAGES_FUNCTION);
  await knex.raw(`
    CREATE VIEW outbox_pending AS
    SELECT c.id AS chunk_id, m.index, m.event_id, m.type, m.sku, c.committed_at, c.trace_context
    FROM outbox_chunks AS c, LATERAL outbox_chunk_messages(c.messages, c.sent) AS m`);
}

/**
 * For operators (`outbox_pending`, see the runbook): the messages of a chunk from the `skip`-th on,
 * read from the frames in SQL. The relay never uses it.
 */
const CHUNK_MESSAGES_FUNCTION = `
  CREATE FUNCTION outbox_chunk_messages(messages bytea, skip integer DEFAULT 0,
      OUT index integer, OUT event_id uuid, OUT type text, OUT sku text)
    RETURNS SETOF record LANGUAGE plpgsql IMMUTABLE STRICT AS $$
  DECLARE
    at integer := 0;
    length integer;
  BEGIN
    index := 0;
    WHILE at < octet_length(messages) LOOP
      event_id := encode(substring(messages FROM at + 1 FOR 16), 'hex')::uuid;
      at := at + 16;
      length := (get_byte(messages, at) << 8) | get_byte(messages, at + 1);
      type := convert_from(substring(messages FROM at + 3 FOR length), 'UTF8');
      at := at + 2 + length;
      length := (get_byte(messages, at) << 8) | get_byte(messages, at + 1);
      sku := convert_from(substring(messages FROM at + 3 FOR length), 'UTF8');
      at := at + 2 + length + 16;
      length := (get_byte(messages, at) << 24) | (get_byte(messages, at + 1) << 16) | (get_byte(messages, at + 2) << 8) | get_byte(messages, at + 3);
      at := at + 4 + length;
      IF index >= skip THEN RETURN NEXT; END IF;
      index := index + 1;
    END LOOP;
  END $$`;

/** Back to one row per event, each at its ledger `seq`. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP VIEW outbox_pending`);
  await knex.raw(`DROP FUNCTION outbox_chunk_messages`);
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
  await knex.raw(`ALTER TABLE outbox_pending SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)`);
  const { rows } = await knex.raw<{ rows: Array<{ sent: number; trace_context: string | null; messages: Buffer }> }>(
    `SELECT sent, trace_context, messages FROM outbox_chunks ORDER BY id`,
  );
  // One statement per chunk: its messages as columns, each event at its ledger seq.
  for (const row of rows) {
    const frames = decodeChunk(Buffer.from(row.messages), row.sent);
    if (frames.length === 0) continue;
    await knex.raw(
      `INSERT INTO outbox_pending (seq, event_id, type, sku, committed_at, observed_at, payload, trace_context)
       SELECT e.seq, e.event_id, m.type, e.sku, to_timestamp(m.committed_ms / 1000), to_timestamp(m.observed_ms / 1000), decode(m.payload, 'base64'), ?
       FROM unnest(?::uuid[], ?::text[], ?::float8[], ?::float8[], ?::text[]) AS m(event_id, type, committed_ms, observed_ms, payload)
       JOIN inventory_events AS e USING (event_id)`,
      bindings(
        row.trace_context,
        frames.map((f) => f.eventId),
        frames.map((f) => f.type),
        frames.map((f) => f.committedMs),
        frames.map((f) => f.observedMs ?? null),
        frames.map((f) => Buffer.from(f.payload).toString("base64")),
      ),
    );
  }
  await knex.raw(`DROP TABLE outbox_chunks`);
}
