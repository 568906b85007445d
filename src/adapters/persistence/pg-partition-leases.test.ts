import assert from "node:assert/strict";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import { silentLogger } from "../../shared/logger.js";
import { PgPartitionLeases } from "./pg-partition-leases.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("PgPartitionLeases (outbox partitions leased by the live replicas)", function () {
  this.timeout(20_000);
  const db = migratedDatabase("partition_leases");
  const TTL = 600;

  beforeEach(async () => {
    await db.database.knex.raw(`TRUNCATE relay_replicas, relay_partitions`);
  });

  const replica = (id: string, partitions = 16) => new PgPartitionLeases(db.database.knex, { replicaId: id, partitions, heartbeatMs: 100, ttlMs: TTL }, silentLogger);
  const holders = async () => {
    const { rows } = await db.database.knex.raw<{ rows: Array<{ relay_partition: number; holder: string | null; moves: string }> }>(
      `SELECT relay_partition, holder, moves FROM relay_partitions WHERE lease_until > now() ORDER BY relay_partition`,
    );
    return rows;
  };

  it("gives a lone replica every partition, and its share is what acquire() answers", async () => {
    const a = replica("a");
    const beat = await a.heartbeat();
    assert.deepEqual(beat.live, ["a"]);
    assert.deepEqual(beat.held, Array.from({ length: 16 }, (_, p) => p));
    assert.deepEqual(beat.taken, beat.held);
    assert.deepEqual(await a.acquire(), beat.held);
    assert.deepEqual((await a.heartbeat()).taken, [], "a renewal takes nothing new");
    await a.release();
    assert.deepEqual(await holders(), []);
  });

  it("spreads the partitions evenly and disjointly over three replicas, by rank", async () => {
    const [a, b, c] = [replica("a"), replica("b"), replica("c")];
    await a.heartbeat();
    await b.heartbeat();
    await c.heartbeat();
    // a and b heartbeat again: they now see three live replicas and give up what is no longer theirs.
    await a.heartbeat();
    await b.heartbeat();
    const final = await Promise.all([a, b, c].map((r) => r.heartbeat()));
    assert.deepEqual(final.map((f) => f.held.length), [6, 5, 5]);
    assert.deepEqual(final[0]!.held, [0, 3, 6, 9, 12, 15]);
    assert.deepEqual(final[2]!.held, [2, 5, 8, 11, 14]);
    const all = final.flatMap((f) => f.held).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 16 }, (_, p) => p), "each partition held once");
    const rows = await holders();
    assert.equal(rows.length, 16);
    for (const row of rows) assert.equal(row.holder, ["a", "b", "c"][row.relay_partition % 3]);
    await Promise.all([a, b, c].map((r) => r.release()));
  });

  it("moves a dead replica's partitions only once its leases end, within TTL + a heartbeat", async () => {
    const [a, b] = [replica("a"), replica("b")];
    await a.heartbeat();
    await b.heartbeat();
    await a.heartbeat();
    assert.deepEqual((await b.heartbeat()).held, [1, 3, 5, 7, 9, 11, 13, 15]);
    // b dies (no more heartbeats, no release). While its heartbeat and leases last, a takes nothing of b's.
    const diedAt = Date.now();
    assert.deepEqual((await a.heartbeat()).held, [0, 2, 4, 6, 8, 10, 12, 14]);
    let taken: readonly number[] = [];
    while (taken.length === 0) {
      await sleep(100);
      taken = (await a.heartbeat()).taken;
      assert.ok(Date.now() - diedAt < TTL + 1000, "a took b's partitions within TTL + heartbeat");
    }
    assert.ok(Date.now() - diedAt >= TTL - 50, `not before b's leases ended (${Date.now() - diedAt} ms)`);
    assert.deepEqual(taken, [1, 3, 5, 7, 9, 11, 13, 15]);
    const rows = await holders();
    assert.ok(rows.every((row) => row.holder === "a"));
    assert.equal(Number(rows.find((row) => row.relay_partition === 1)!.moves), 3, "partition 1 moved three times: to a, to b, back to a");
    // b's local view lapses on its own clock too: it stops publishing even though it never heard otherwise.
    assert.deepEqual(await b.acquire(), []);
    await a.release();
  });

  it("hands a joining replica its share as the others give theirs up, and a released replica's at once", async () => {
    const [a, b] = [replica("a"), replica("b")];
    assert.equal((await a.heartbeat()).held.length, 16);
    assert.deepEqual((await b.heartbeat()).held, [], "b's share is still a's");
    await a.heartbeat(); // a sees b and gives up the odd partitions
    assert.deepEqual((await b.heartbeat()).held, [1, 3, 5, 7, 9, 11, 13, 15]);
    await b.release();
    assert.deepEqual(await b.acquire(), []);
    assert.equal((await a.heartbeat()).held.length, 16, "b is no longer live: a takes everything back at once");
    await a.release();
  });

  it("refuses a TTL not longer than the heartbeat", () => {
    assert.throws(() => new PgPartitionLeases(db.database.knex, { replicaId: "x", partitions: 4, heartbeatMs: 1000, ttlMs: 1000 }, silentLogger), /must be longer than the heartbeat/);
  });
});
