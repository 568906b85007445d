import assert from "node:assert/strict";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import type { ConsumerStore } from "../src/consumer-store.js";
import { EventProcessor } from "../src/event-processor.js";
import { MemoryConsumerStore } from "../src/memory-consumer-store.js";
import { PostgresConsumerStore } from "../src/postgres-consumer-store.js";
import { inventoryEvent, rawMessage } from "./event-fixtures.js";

const A = { sku: "A", locationId: "default" };
const position = (version: number, eventId: string, streamSequence: number) => ({ version: BigInt(version), eventId, streamSequence, fromState: false });

/** The contract every consumer store keeps, run against both. */
function storeContract<Effect>(name: string, open: () => Promise<{ store: ConsumerStore<Effect>; close(): Promise<void> }>) {
  describe(`consumer kit: ${name}`, () => {
    let store: ConsumerStore<Effect>;
    let close: () => Promise<void>;
    beforeEach(async () => ({ store, close } = await open()));
    afterEach(() => close());

    it("keeps what a committed transaction saved: ids seen, record positions, the stream position", async () => {
      assert.equal(await store.position("c"), undefined);
      await store.transaction("c", (tx) => tx.save({ seen: [{ id: "e1", streamSequence: 7 }], records: [{ key: A, position: position(3, "e1", 7) }], streamSequence: 7 }));
      await store.transaction("c", async (tx) => {
        assert.deepEqual([...(await tx.seen(["e1", "e2"]))], ["e1"]);
        assert.deepEqual([...(await tx.records([A, { sku: "B", locationId: "default" }]))], [["A\u0000default", position(3, "e1", 7)]]);
      });
      assert.equal(await store.position("c"), 7);
      assert.equal(await store.position("other"), undefined);
      await store.transaction("other", async (tx) => assert.equal((await tx.seen(["e1"])).size, 0, "consumers are kept apart"));
    });

    it("keeps nothing of a transaction that threw", async () => {
      await assert.rejects(
        store.transaction("c", async (tx) => {
          await tx.save({ seen: [{ id: "e1", streamSequence: 1 }], records: [{ key: A, position: position(1, "e1", 1) }], streamSequence: 1 });
          throw new Error("the consumer's write failed");
        }),
        /consumer's write failed/,
      );
      await store.transaction("c", async (tx) => assert.equal((await tx.seen(["e1"])).size, 0));
      assert.equal(await store.position("c"), undefined);
    });

    it("refuses to save an id another delivery saved first", async () => {
      await store.transaction("c", (tx) => tx.save({ seen: [{ id: "e1", streamSequence: 1 }], records: [], streamSequence: 1 }));
      await assert.rejects(store.transaction("c", (tx) => tx.save({ seen: [{ id: "e1", streamSequence: 1 }], records: [], streamSequence: 1 })));
    });

    it("never moves the stream position back, and prunes seen ids older than the dedupe window", async () => {
      await store.transaction("c", (tx) => tx.save({ seen: [{ id: "e1", streamSequence: 9 }], records: [], streamSequence: 9 }));
      await store.transaction("c", (tx) => tx.save({ seen: [{ id: "e0", streamSequence: 4 }], records: [], streamSequence: 4 }));
      assert.equal(await store.position("c"), 9);
      assert.equal(await store.prune("c", new Date(Date.now() - 60_000)), 0);
      assert.equal(await store.prune("c", new Date(Date.now() + 60_000)), 2);
      await store.transaction("c", async (tx) => {
        assert.equal((await tx.seen(["e0", "e1"])).size, 0);
      });
    });
  });
}

storeContract("MemoryConsumerStore", async () => ({ store: new MemoryConsumerStore(), close: async () => undefined }));

let database: TestDatabase | undefined;
let pool: pg.Pool | undefined;
storeContract("PostgresConsumerStore", async () => {
  database = await createTestDatabase("kit_store");
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  const store = new PostgresConsumerStore(pool);
  await store.migrate();
  await store.migrate();
  return {
    store,
    close: async () => {
      await pool?.end();
      await database?.drop();
    },
  };
});

describe("consumer kit: PostgresConsumerStore with the consumer's own writes", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  before(async () => {
    db = await createTestDatabase("kit_effects");
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    await pool.query("CREATE TABLE effects (event_id text PRIMARY KEY, on_hand bigint NOT NULL)");
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  it("commits the consumer's effects with its bookkeeping, so two processes racing on the same batch apply it once", async () => {
    const store = new PostgresConsumerStore(pool, { tablePrefix: "kit_race" });
    await store.migrate();
    const handler = {
      async apply(client: pg.PoolClient, received: { id: string; message: unknown }) {
        await client.query("INSERT INTO effects (event_id, on_hand) VALUES ($1, 1) ON CONFLICT (event_id) DO UPDATE SET on_hand = effects.on_hand + 1", [received.id]);
      },
    };
    const batch = Array.from({ length: 20 }, (_, i) => rawMessage(inventoryEvent(`R${i % 4}`, Math.floor(i / 4) + 1, i), i + 1));
    const one = new EventProcessor({ consumer: "race", store, handler });
    const two = new EventProcessor({ consumer: "race", store, handler });
    const results = await Promise.all([one.process(batch), two.process(batch)]);
    const { rows } = await pool.query<{ n: string; total: string }>("SELECT count(*)::text AS n, sum(on_hand)::text AS total FROM effects");
    assert.deepEqual(rows[0], { n: "20", total: "20" }, "each event's effect exactly once");
    assert.equal(results[0]!.applied + results[1]!.applied, 20);
    assert.equal(results[0]!.duplicates + results[1]!.duplicates, 20, "the later one sees each id as applied");
    assert.deepEqual([...results[0]!.issues, ...results[1]!.issues], []);
    const { rows: versions } = await pool.query("SELECT sku, version::int FROM kit_race_records ORDER BY sku");
    assert.deepEqual(versions, ["R0", "R1", "R2", "R3"].map((sku) => ({ sku, version: 5 })));
  });
});
