/**
 * `npm run bench:consumer-kit [-- --events 20000 --records 500 --unbatched 3000]`: what the consumer
 * kit's exactly-once bookkeeping costs on the PostgreSQL store. Processes InventoryEvents (protobuf
 * bytes with their headers, as JetStream delivers them; decoding is part of the figure) through the
 * EventProcessor with the example read model's handler (one upsert per event), in batches of 1 (unbatched: a transaction per event) and of 100 and 500 (one transaction
 * per batch), on a database of its own on the local PostgreSQL, and prints events per second.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { createTestDatabase } from "../contract-tests/support/test-servers.js";
import { AvailableStockReadModel } from "../examples/available-stock-read-model/src/available-stock.js";
import { EventProcessor, PostgresConsumerStore, type RawMessage } from "../packages/consumer-kit/src/index.js";
import { inventoryEvent, rawMessage } from "../packages/consumer-kit/test/event-fixtures.js";
import { fmt, printTable } from "./report.js";

const { values } = parseArgs({ options: { events: { type: "string", default: "20000" }, records: { type: "string", default: "500" }, unbatched: { type: "string", default: "3000" } } });
const EVENTS = Number(values.events);
const RECORDS = Number(values.records);

function stream(count: number): RawMessage[] {
  const versions = new Array<number>(RECORDS).fill(0);
  return Array.from({ length: count }, (_, i) => {
    const record = (i * 7919) % RECORDS;
    versions[record]!++;
    return rawMessage(inventoryEvent(`BENCH-${record}`, versions[record]!, i % 100), i + 1);
  });
}

async function run(batchSize: number, count: number): Promise<{ batchSize: number; events: number; seconds: number; perSecond: number }> {
  const db = await createTestDatabase(`bench_kit_${batchSize}`);
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  try {
    const model = new AvailableStockReadModel(pool);
    await model.migrate();
    const store = new PostgresConsumerStore(pool);
    await store.migrate();
    const processor = new EventProcessor({ consumer: "bench", store, handler: model });
    const messages = stream(count);
    const started = performance.now();
    let applied = 0;
    for (let i = 0; i < messages.length; i += batchSize) applied += (await processor.process(messages.slice(i, i + batchSize))).applied;
    const seconds = (performance.now() - started) / 1000;
    if (applied !== count) throw new Error(`applied ${applied} of ${count}`);
    return { batchSize, events: count, seconds, perSecond: count / seconds };
  } finally {
    await pool.end();
    await db.drop();
  }
}

const results = [await run(1, Number(values.unbatched)), await run(100, EVENTS), await run(500, EVENTS)];
printTable(
  `consumer kit, PostgresConsumerStore, ${RECORDS} records`,
  results.map((r) => ({ name: r.batchSize === 1 ? "unbatched (a transaction per event)" : `batches of ${r.batchSize}`, value: `${fmt(r.perSecond)} events/s (${r.events} events in ${fmt(r.seconds, 1)} s)` })),
);
