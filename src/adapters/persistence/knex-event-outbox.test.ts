import assert from "node:assert/strict";
import { countedEvent } from "../../../contract-tests/support/counted-event.js";
import { migratedDatabase, migrateBefore, migrateDown } from "../../../contract-tests/support/migrated-database.js";
import { encodeEvent } from "../messaging/event-codec.js";
import { KnexEventOutbox } from "./knex-event-outbox.js";
import { KnexUnitOfWork } from "./knex-unit-of-work.js";

const events = (count: number, from = 1) => Array.from({ length: count }, (_, i) => countedEvent(`SKU-${(from + i) % 7}`, from + i, from + i));
const ids = (items: ReadonlyArray<{ eventId: string }>) => items.map((item) => item.eventId);

describe("KnexEventOutbox on PostgreSQL (the relay's queue in chunks)", function () {
  const db = migratedDatabase("event_outbox");
  let outbox: KnexEventOutbox;
  let appendedCommits = 0;

  beforeEach(async () => {
    await db.database.knex.raw(`TRUNCATE outbox_chunks, inventory_events RESTART IDENTITY`);
    outbox = new KnexEventOutbox(db.database.knex, encodeEvent, { chunkEvents: 4, onAppended: () => void appendedCommits++, activeTraceparent: () => "00-trace-01" });
  });

  async function append(batch: ReturnType<typeof events>): Promise<void> {
    await new KnexUnitOfWork(db.database.knex).run((tx) => outbox.append(tx, batch));
  }

  it("keeps a transaction's events in rows of chunkEvents, in order, with everything the relay needs", async () => {
    const first = events(10);
    const commitsBefore = appendedCommits;
    await append(first);
    assert.equal(appendedCommits, commitsBefore + 1);
    const { rows } = await db.database.knex.raw<{ rows: Array<{ events: number }> }>(`SELECT events FROM outbox_chunks ORDER BY id`);
    assert.deepEqual(rows.map((r) => r.events), [4, 4, 2]);
    const fetched = await outbox.fetchUnpublished(100, []);
    assert.deepEqual(ids(fetched), ids(first));
    const [message, event] = [fetched[3]!, first[3]!];
    assert.equal(message.type, "StockCounted");
    assert.equal(message.sku, event.sku);
    assert.deepEqual([...message.payload], [...encodeEvent(event)]);
    assert.equal(message.committedAt.getTime(), event.occurredAt.getTime());
    assert.equal(message.observedAt?.getTime(), event.occurredAt.getTime());
    assert.equal(message.traceContext, "00-trace-01");
    const ledger = await db.database.knex.raw<{ rows: Array<{ n: string }> }>(`SELECT count(*) AS n FROM inventory_events WHERE trace_context = '00-trace-01'`);
    assert.equal(Number(ledger.rows[0]!.n), 10);
    assert.deepEqual(await outbox.backlog(), { count: 10, oldestAt: first[0]!.occurredAt });
  });

  it("fetches whole rows up to the limit (one row at least), leaving out rows in flight", async () => {
    const all = events(10);
    await append(all);
    assert.deepEqual(ids(await outbox.fetchUnpublished(4, [])), ids(all.slice(0, 4)));
    assert.deepEqual(ids(await outbox.fetchUnpublished(7, [])), ids(all.slice(0, 4)));
    assert.deepEqual(ids(await outbox.fetchUnpublished(8, [])), ids(all.slice(0, 8)));
    assert.deepEqual(ids(await outbox.fetchUnpublished(1, [])), ids(all.slice(0, 4)));
    const inFlight = await outbox.fetchUnpublished(4, []);
    assert.deepEqual(ids(await outbox.fetchUnpublished(100, [inFlight[2]!.position])), ids(all.slice(4)));
  });

  it("vacuums its table after every vacuumEveryRows deleted rows, and never when that is 0", async () => {
    const vacuums = async () => {
      const { rows } = await db.database.knex.raw<{ rows: Array<{ n: string }> }>(`SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'outbox_chunks'`);
      return Number(rows[0]!.n);
    };
    const publish = async (store: KnexEventOutbox, count: number) => {
      await store.markPublished((await store.fetchUnpublished(count, [])).slice(0, count));
      await store.settled();
    };
    outbox = new KnexEventOutbox(db.database.knex, encodeEvent, { chunkEvents: 1, vacuumEveryRows: 3 });
    await append(events(8));
    const before = await vacuums();
    await publish(outbox, 2);
    assert.equal(await vacuums(), before, "2 rows deleted: no vacuum yet");
    await publish(outbox, 1);
    assert.equal(await vacuums(), before + 1, "the third deleted row starts one");
    await publish(outbox, 2);
    assert.equal(await vacuums(), before + 1, "the count starts again after a vacuum");
    const never = new KnexEventOutbox(db.database.knex, encodeEvent, { chunkEvents: 1, vacuumEveryRows: 0 });
    await publish(never, 3);
    assert.equal(await vacuums(), before + 1);
    assert.equal((await outbox.backlog()).count, 0);
  });

  it("keeps row order across ids of different lengths (9 before 10)", async () => {
    outbox = new KnexEventOutbox(db.database.knex, encodeEvent, { chunkEvents: 1 });
    const all = events(12);
    await append(all);
    assert.deepEqual(ids(await outbox.fetchUnpublished(12, [])), ids(all));
    assert.deepEqual(ids(await outbox.fetchUnpublished(12, ["1.0", "2.0"])), ids(all.slice(2)));
  });

  it("deletes a row once all of it is acknowledged, and resumes a row after the prefix acknowledged", async () => {
    const all = events(10);
    await append(all);
    const fetched = await outbox.fetchUnpublished(8, []);
    await outbox.markPublished([...fetched.slice(0, 4), ...fetched.slice(4, 6)]);
    assert.deepEqual(ids(await outbox.fetchUnpublished(100, [])), ids(all.slice(6)));
    // The operators' view of the same: the events still pending, with their chunk and index.
    const { rows } = await db.database.knex.raw<{ rows: Array<{ chunk_id: string; index: number; event_id: string; type: string; sku: string }> }>(
      `SELECT chunk_id::text, index, event_id::text, type, sku FROM outbox_pending ORDER BY chunk_id, index`,
    );
    assert.deepEqual(rows, all.slice(6).map((e, i) => ({ chunk_id: i < 2 ? "2" : "3", index: i < 2 ? i + 2 : i - 2, event_id: e.eventId, type: e.type, sku: e.sku })));
    assert.deepEqual((await outbox.backlog()).count, 4);
    const rest = await outbox.fetchUnpublished(100, []);
    await outbox.markPublished(rest);
    assert.deepEqual(await outbox.fetchUnpublished(100, []), []);
    assert.deepEqual(await outbox.backlog(), { count: 0, oldestAt: undefined });
  });

  it("never skips an unacknowledged message: only the run from the first unacknowledged one counts", async () => {
    const all = events(4);
    await append(all);
    const fetched = await outbox.fetchUnpublished(4, []);
    await outbox.markPublished([fetched[1]!, fetched[3]!]); // not a prefix: nothing moves
    assert.deepEqual(ids(await outbox.fetchUnpublished(4, [])), ids(all));
    await outbox.markPublished([fetched[0]!, fetched[1]!, fetched[3]!]); // the first two, not the fourth
    assert.deepEqual(ids(await outbox.fetchUnpublished(4, [])), ids(all.slice(2)));
    await outbox.markPublished([fetched[1]!]); // acknowledged again (a resend): nothing moves
    assert.deepEqual(ids(await outbox.fetchUnpublished(4, [])), ids(all.slice(2)));
  });
});

describe("migration 0013-outbox-chunks (PostgreSQL)", function () {
  const db = migratedDatabase("outbox_chunks_migration", 2, false);

  it("moves pending events into one-message chunks the relay reads as before, and back down", async () => {
    const { knex } = db.database;
    await migrateBefore(knex, "0013");
    const pending = events(3);
    // As the old outbox appended them: ledger rows and their queue rows at the same seq.
    for (const [i, event] of pending.entries()) {
      await knex.raw(
        `WITH ledger AS (
           INSERT INTO inventory_events (event_id, type, sku, location_id, delta, source, "timestamp", before_on_hand, before_reserved,
             after_on_hand, after_reserved, version, cause)
           VALUES (?::uuid, 'StockCounted', ?, 'default', 1, 'wms', ?::timestamptz, 0, 0, 1, 0, ?, '{}') RETURNING seq)
         INSERT INTO outbox_pending (seq, event_id, type, sku, committed_at, observed_at, payload, trace_context)
         SELECT seq, ?::uuid, 'StockCounted', ?, ?::timestamptz, ?::timestamptz, ?, ? FROM ledger`,
        [event.eventId, event.sku, event.occurredAt.toISOString(), event.version, event.eventId, event.sku, event.occurredAt.toISOString(),
          i === 1 ? null : event.occurredAt.toISOString(), Buffer.from(encodeEvent(event)), i === 2 ? "00-old-01" : null],
      );
    }
    await db.database.migrate();
    const outbox = new KnexEventOutbox(knex, encodeEvent);
    const fetched = await outbox.fetchUnpublished(100, []);
    assert.deepEqual(ids(fetched), ids(pending));
    assert.deepEqual(fetched.map((m) => [m.sku, m.committedAt.getTime(), m.observedAt?.getTime(), m.traceContext]), pending.map((e, i) => [
      e.sku, e.occurredAt.getTime(), i === 1 ? undefined : e.occurredAt.getTime(), i === 2 ? "00-old-01" : undefined,
    ]));
    assert.deepEqual(fetched.map((m) => [...m.payload]), pending.map((e) => [...encodeEvent(e)]));

    await outbox.markPublished(fetched.slice(0, 1));
    await migrateDown(knex, "0013-outbox-chunks");
    const { rows } = await knex.raw<{ rows: Array<{ event_id: string; committed_ms: number; observed_ms: number | null; payload: Buffer; trace_context: string | null }> }>(
      `SELECT p.event_id::text, (extract(epoch FROM p.committed_at) * 1000)::float8 AS committed_ms,
         (extract(epoch FROM p.observed_at) * 1000)::float8 AS observed_ms, p.payload, p.trace_context
       FROM outbox_pending AS p JOIN inventory_events AS e USING (seq) ORDER BY seq`,
    );
    assert.deepEqual(rows.map((r) => ({ ...r, payload: [...r.payload] })), [
      { event_id: pending[1]!.eventId, committed_ms: pending[1]!.occurredAt.getTime(), observed_ms: null, payload: [...encodeEvent(pending[1]!)], trace_context: null },
      { event_id: pending[2]!.eventId, committed_ms: pending[2]!.occurredAt.getTime(), observed_ms: pending[2]!.occurredAt.getTime(), payload: [...encodeEvent(pending[2]!)], trace_context: "00-old-01" },
    ]);
  });
});
