import assert from "node:assert/strict";
import { countedEvent } from "../../../contract-tests/support/counted-event.js";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import type { InventoryEvent } from "../../inventory/domain/inventory-event.js";
import { outboxPartition } from "../../outbox/outbox-partition.js";
import { encodeEvent } from "../messaging/event-codec.js";
import { KnexEventOutbox } from "./knex-event-outbox.js";
import { KnexUnitOfWork } from "./knex-unit-of-work.js";

const at = (sku: string, location: string, version: number): InventoryEvent => ({ ...countedEvent(sku, version, version), locationId: location as InventoryEvent["locationId"] });
const ids = (items: ReadonlyArray<{ eventId: string }>) => items.map((item) => item.eventId);

describe("KnexEventOutbox partitions (each row one partition of stock records)", function () {
  const db = migratedDatabase("outbox_partitions");
  const P = 4;

  beforeEach(async () => {
    await db.database.knex.raw(`TRUNCATE outbox_chunks, inventory_events RESTART IDENTITY`);
  });

  async function append(outbox: KnexEventOutbox, events: readonly InventoryEvent[]): Promise<void> {
    await new KnexUnitOfWork(db.database.knex).run((tx) => outbox.append(tx, events));
  }

  it("hashes a record (SKU and location) to a fixed partition", () => {
    assert.equal(outboxPartition("SKU-1", "A", 16), outboxPartition("SKU-1", "A", 16));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => outboxPartition(`SKU-${i}`, "default", 16)));
    assert.equal(spread.size, 16, "200 SKUs reach every one of 16 partitions");
    assert.notEqual(
      Array.from({ length: 20 }, (_, i) => outboxPartition("SKU-1", `L${i}`, 16)).join(),
      Array.from({ length: 20 }, () => outboxPartition("SKU-1", "L0", 16)).join(),
      "the location is part of the key",
    );
  });

  it("writes a transaction's events as a row per partition, and a share fetches its partitions' events in commit order", async () => {
    const outbox = new KnexEventOutbox(db.database.knex, encodeEvent, { chunkEvents: 3, partitions: P });
    const events: InventoryEvent[] = [];
    for (let v = 1; v <= 4; v++) for (const sku of ["S1", "S2", "S3", "S4", "S5", "S6"]) for (const loc of ["A", "B"]) events.push(at(sku, loc, v));
    await append(outbox, events.slice(0, 20));
    await append(outbox, events.slice(20));
    const { rows } = await db.database.knex.raw<{ rows: Array<{ relay_partition: number; events: number }> }>(`SELECT relay_partition, events FROM outbox_chunks ORDER BY id`);
    assert.ok(rows.every((row) => row.events <= 3));
    const partitionOf = (e: InventoryEvent) => outboxPartition(e.sku, e.locationId, P);
    for (let p = 0; p < P; p++) {
      assert.equal(rows.filter((r) => r.relay_partition === p).reduce((n, r) => n + r.events, 0), events.filter((e) => partitionOf(e) === p).length);
    }
    // Each partition's share holds its events in the order committed; shares are disjoint and cover the outbox.
    const fetched: string[] = [];
    for (let p = 0; p < P; p++) {
      const share = await outbox.fetchUnpublished(1000, [], [p]);
      assert.deepEqual(ids(share), ids(events.filter((e) => partitionOf(e) === p)));
      fetched.push(...ids(share));
    }
    assert.deepEqual(fetched.sort(), ids(events).sort());
    // Two partitions: their rows in id order, so each record's events in commit order.
    const two = ids(await outbox.fetchUnpublished(1000, [], [0, 2]));
    const wanted = events.filter((e) => [0, 2].includes(partitionOf(e)));
    assert.deepEqual([...two].sort(), ids(wanted).sort());
    for (const record of new Set(wanted.map((e) => `${e.sku}@${e.locationId}`))) {
      const ofRecord = ids(wanted.filter((e) => `${e.sku}@${e.locationId}` === record));
      assert.deepEqual(two.filter((id) => ofRecord.includes(id)), ofRecord, `${record} in order`);
    }
    assert.deepEqual(await outbox.fetchUnpublished(1000, [], []), []);
    assert.equal((await outbox.fetchUnpublished(1000, [])).length, events.length, "the whole outbox by default");
  });

  it("publishes rows queued before partitioning first, by the holder of partition 0, and holds partitioned rows back until then", async () => {
    // A row as migration 0016 leaves a row queued before it: partition -1, events of several records.
    const old = new KnexEventOutbox(db.database.knex, encodeEvent, { partitions: 1 });
    const before = [at("S1", "A", 1), at("S2", "A", 1)];
    await append(old, before);
    await db.database.knex.raw(`UPDATE outbox_chunks SET relay_partition = -1`);
    const outbox = new KnexEventOutbox(db.database.knex, encodeEvent, { partitions: P });
    const after = [at("S1", "A", 2), at("S2", "A", 2)];
    await append(outbox, after);
    const zero = await outbox.fetchUnpublished(1000, [], [0]);
    assert.deepEqual(ids(zero), ids(before), "partition 0's holder gets the old row, and nothing newer yet");
    for (let p = 1; p < P; p++) assert.deepEqual(await outbox.fetchUnpublished(1000, [], [p]), [], `partition ${p} waits`);
    await outbox.markPublished(zero);
    const rest = (await Promise.all([0, 1, 2, 3].map((p) => outbox.fetchUnpublished(1000, [], [p])))).flat();
    assert.deepEqual(ids(rest).sort(), ids(after).sort());
  });
});
