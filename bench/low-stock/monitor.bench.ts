import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { EventSource, EventType, InventoryEventSchema } from "../../gen/invsync/events/v1/inventory_event_pb.js";
import { createTestDatabase, NATS_URL, testStream } from "../../contract-tests/support/test-servers.js";
import { JetStreamStockChangeFeed } from "../../src/adapters/messaging/jetstream-stock-change-feed.js";
import { encodeAlert } from "../../src/adapters/messaging/stock-alert-codec.js";
import { openDatabase } from "../../src/adapters/persistence/database.js";
import { KnexDepletionEstimates } from "../../src/adapters/persistence/knex-depletion-estimates.js";
import { KnexLowStockAlertOutbox } from "../../src/adapters/persistence/knex-low-stock-alert-outbox.js";
import { KnexUnitOfWork } from "../../src/adapters/persistence/knex-unit-of-work.js";
import { LowStockMonitor } from "../../src/low-stock/application/low-stock-monitor.js";
import { lowStockPolicy } from "../../src/low-stock/domain/low-stock-policy.js";
import { systemClock } from "../../src/shared/clock.js";
import { uuidV7, uuidV7Ids } from "../../src/shared/ids.js";
import { soleProcessLease } from "../../src/shared/lease.port.js";
import { silentLogger } from "../../src/shared/logger.js";

/**
 * `npm run bench:low-stock`: how fast the low-stock monitor catches up with a stream of stock
 * changes (on the shared PostgreSQL and NATS, a database and stream of its own): publishes
 * `--events` InventoryEvents (default 100,000) over `--records` records (default 5,000), then runs the
 * monitor until it has applied them all, and prints changes per second and CPU per change.
 * `--batch N` sets the monitor's batch (default 1000, as the service).
 */
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const EVENTS = Number(args.get("events") ?? 100_000);
const RECORDS = Number(args.get("records") ?? 5_000);
const BATCH = Number(args.get("batch") ?? 1000);

const database = await createTestDatabase("bench_low_stock");
const stream = testStream("bench_low_stock");
const db = await openDatabase({ url: database.url, dataDir: "", poolMax: 4 }, silentLogger);
const nc = await connect({ servers: NATS_URL });
try {
  await db.migrate();
  await (await jetstreamManager(nc)).streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.v1.>`] });
  const js = jetstream(nc);
  const available = new Array<number>(RECORDS).fill(10_000);
  const versions = new Array<number>(RECORDS).fill(0);
  const t0 = Date.now() - 3_600_000;
  let pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < EVENTS; i++) {
    const r = i % RECORDS;
    const before = available[r]!;
    const reserve = versions[r]! > 0;
    const after = reserve ? before - 1 - (i % 3) : before;
    available[r] = after;
    versions[r]! += 1;
    const event = create(InventoryEventSchema, {
      eventId: uuidV7(),
      type: reserve ? EventType.STOCK_RESERVED : EventType.STOCK_COUNTED,
      sku: `SKU-${r}`,
      locationId: "WH-1",
      delta: BigInt(after - before),
      source: EventSource.RESERVATION,
      timestamp: timestampFromDate(new Date(t0 + Math.floor((i / EVENTS) * 3_600_000))),
      before: { onHand: BigInt(before), reserved: 0n, available: BigInt(before) },
      after: { onHand: BigInt(after), reserved: 0n, available: BigInt(after) },
      version: BigInt(versions[r]!),
    });
    const h = headers();
    h.set("Invsync-Message", InventoryEventSchema.typeName);
    pending.push(js.publish(`${stream.subjectPrefix}.v1.stock_reserved.SKU-${r}`, toBinary(InventoryEventSchema, event), { headers: h }));
    if (pending.length >= 1000) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  const monitor = new LowStockMonitor(
    new JetStreamStockChangeFeed({ url: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix }),
    new KnexDepletionEstimates(db.knex),
    new KnexLowStockAlertOutbox(encodeAlert),
    new KnexUnitOfWork(db.knex),
    soleProcessLease,
    lowStockPolicy({ horizonMs: 240 * 60_000, halfLifeMs: 3_600_000, clearFactor: 1.5 }),
    systemClock,
    uuidV7Ids,
    silentLogger,
    { batchSize: BATCH, pollMs: 50, waitMs: 1000, sweepEveryMs: 60_000 },
  );
  const cpu = process.cpuUsage();
  const started = performance.now();
  const applied = await monitor.round();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const alerts = (await db.knex.raw<{ rows: Array<{ n: string }> }>(`SELECT count(*) AS n FROM low_stock_alerts`)).rows[0]!.n;
  await monitor.stop();
  console.log(
    `low-stock monitor: ${applied} changes of ${RECORDS} records applied in ${seconds.toFixed(2)} s = ${Math.round(applied / seconds)} changes/s; ` +
      `CPU of this process ${(((used.user + used.system) / applied) | 0)} µs a change (feed decode, estimator, SQL client); ${alerts} alerts`,
  );
} finally {
  await nc.close();
  await db.close();
  await database.drop();
  await stream.delete();
}
