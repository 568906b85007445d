import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import assert from "node:assert/strict";
import { EventSource, EventType, InventoryEventSchema } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import { NATS_URL, testStream } from "../../../contract-tests/support/test-servers.js";
import type { LowStockAlertOutbox } from "../../low-stock/application/depletion-estimates.port.js";
import { LowStockMonitor } from "../../low-stock/application/low-stock-monitor.js";
import { lowStockPolicy } from "../../low-stock/domain/low-stock-policy.js";
import { ManualClock } from "../../shared/clock.js";
import { uuidV7, uuidV7Ids } from "../../shared/ids.js";
import { soleProcessLease, type Lease } from "../../shared/lease.port.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import { KnexDepletionEstimates } from "../persistence/knex-depletion-estimates.js";
import { KnexLowStockAlertOutbox } from "../persistence/knex-low-stock-alert-outbox.js";
import { KnexUnitOfWork } from "../persistence/knex-unit-of-work.js";
import { JetStreamStockChangeFeed } from "./jetstream-stock-change-feed.js";
import { encodeAlert } from "./stock-alert-codec.js";

const T0 = new Date("2026-12-07T08:00:00Z");
const MINUTE = 60_000;

describe("LowStockMonitor over JetStream and PostgreSQL", function () {
  this.timeout(60_000);
  const db = migratedDatabase("low_stock_monitor");
  const stream = testStream("low_stock_monitor");
  let nc: NatsConnection;
  const monitors: LowStockMonitor[] = [];
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_fields, message) => void warnings.push(message), child: () => logger };

  /** Publishes `type` changes of SKU P-1 at WH-1: (minute, type, available before → after), versions from `from`. */
  async function publish(steps: ReadonlyArray<[number, EventType, number, number]>, from: number): Promise<void> {
    const js = jetstream(nc);
    for (const [i, [minute, type, before, after]] of steps.entries()) {
      const h = headers();
      h.set("Invsync-Message", InventoryEventSchema.typeName);
      const event = create(InventoryEventSchema, {
        eventId: uuidV7(),
        type,
        sku: "P-1",
        locationId: "WH-1",
        source: EventSource.RESERVATION,
        timestamp: timestampFromDate(new Date(T0.getTime() + minute * MINUTE)),
        before: { onHand: BigInt(before), reserved: 0n, available: BigInt(before) },
        after: { onHand: BigInt(after), reserved: 0n, available: BigInt(after) },
        version: BigInt(from + i),
      });
      await js.publish(`${stream.subjectPrefix}.v1.any.P-1`, toBinary(InventoryEventSchema, event), { headers: h });
    }
  }

  function monitor(clock: ManualClock, lease: Lease = soleProcessLease, outbox: LowStockAlertOutbox = new KnexLowStockAlertOutbox(encodeAlert)): LowStockMonitor {
    const made = new LowStockMonitor(
      new JetStreamStockChangeFeed({ url: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix }),
      new KnexDepletionEstimates(db.database.knex),
      outbox,
      new KnexUnitOfWork(db.database.knex),
      lease,
      lowStockPolicy({ horizonMs: 60 * MINUTE, halfLifeMs: 30 * MINUTE, clearFactor: 1.5 }),
      clock,
      uuidV7Ids,
      logger,
      { batchSize: 4, pollMs: 50, waitMs: 1000, sweepEveryMs: MINUTE },
    );
    monitors.push(made);
    return made;
  }
  const alerts = async () => (await db.database.knex.raw<{ rows: Array<{ type: string; reason: string | null; stock_version: string }> }>(`SELECT type, reason, stock_version FROM low_stock_alerts ORDER BY event_id`)).rows;
  const position = () => new KnexDepletionEstimates(db.database.knex).position();

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.v1.>`] });
  });
  after(async () => {
    for (const m of monitors) await m.stop();
    await nc?.close();
    await stream.delete();
  });

  it("applies the stream in batches, reads past other messages, raises once, and a second round finds nothing new", async () => {
    // 40 units, 4 an order every 3 minutes: under an hour of cover after a few orders.
    const steps: Array<[number, EventType, number, number]> = [[0, EventType.STOCK_COUNTED, 0, 40]];
    for (let i = 1; i <= 6; i++) steps.push([i * 3, EventType.STOCK_RESERVED, 44 - 4 * i, 40 - 4 * i]);
    await publish(steps, 1);
    const h = headers();
    h.set("Invsync-Message", "invsync.events.v1.StockRunningLow");
    await jetstream(nc).publish(`${stream.subjectPrefix}.v1.stock_running_low.P-1`, new Uint8Array([1, 2, 3]), { headers: h });
    const clock = new ManualClock(new Date(T0.getTime() + 20 * MINUTE));
    const first = monitor(clock);
    assert.equal(await first.round(), 7);
    assert.equal(await position(), 8);
    assert.deepEqual((await alerts()).map((a) => a.type), ["StockRunningLow"]);
    assert.equal(await first.round(), 0);
    const [row] = (await db.database.knex.raw<{ rows: Array<{ version: string; available: string }> }>(`SELECT version, available FROM low_stock_estimates`)).rows;
    assert.deepEqual([Number(row!.version), Number(row!.available)], [7, 16]);
  });

  it("clears as demand eased at a sweep once nothing moved for long enough", async () => {
    const clock = new ManualClock(new Date(T0.getTime() + 30 * MINUTE));
    const m = monitor(clock);
    assert.equal(await m.sweep(), 0);
    clock.advance(6 * 60 * MINUTE);
    assert.equal(await m.sweep(), 1);
    assert.deepEqual((await alerts()).map((a) => [a.type, a.reason]), [["StockRunningLow", null], ["StockRunningLowCleared", "demand_eased"]]);
  });

  it("after a failed transaction, applies the batch again from the saved position, once", async () => {
    await publish([[300, EventType.STOCK_RESERVED, 16, 2]], 8);
    let failures = 1;
    const real = new KnexLowStockAlertOutbox(encodeAlert);
    const flaky: LowStockAlertOutbox = {
      append: async (tx, list) => {
        if (list.length > 0 && failures-- > 0) throw new Error("the database went away");
        await real.append(tx, list);
      },
    };
    const m = monitor(new ManualClock(new Date(T0.getTime() + 300 * MINUTE)), soleProcessLease, flaky);
    const before = (await alerts()).length;
    await assert.rejects(m.round(), /the database went away/);
    assert.equal(await position(), 8);
    assert.equal(await m.round(), 1);
    assert.equal(await position(), 9);
    assert.deepEqual((await alerts()).slice(before).map((a) => [a.type, Number(a.stock_version)]), [["StockRunningLow", 8]]);
  });

  it("does nothing while another process holds the lease", async () => {
    await publish([[400, EventType.STOCK_COUNTED, 2, 16]], 9);
    const taken: Lease = { acquire: async () => false, release: async () => undefined };
    assert.equal(await monitor(new ManualClock(T0), taken).round(), 0);
    assert.equal(await position(), 9);
    assert.equal(await monitor(new ManualClock(T0)).round(), 1);
    assert.equal(await position(), 10);
  });

  it("reads a recreated stream from its start, skipping the changes it already applied", async () => {
    await (await jetstreamManager(nc)).streams.delete(stream.stream);
    await (await jetstreamManager(nc)).streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.v1.>`] });
    await publish([[401, EventType.STOCK_RESERVED, 16, 12], [402, EventType.STOCK_COUNTED, 12, 500]], 9);
    const before = (await alerts()).length;
    assert.equal(await monitor(new ManualClock(T0)).round(), 2);
    assert.ok(warnings.some((w) => /ends before the low-stock estimator's position/.test(w)), warnings.join("; "));
    assert.equal(await position(), 2);
    const [row] = (await db.database.knex.raw<{ rows: Array<{ version: string; available: string }> }>(`SELECT version, available FROM low_stock_estimates`)).rows;
    assert.deepEqual([Number(row!.version), Number(row!.available)], [10, 500], "version 9 skipped (applied before), version 10 applied");
    assert.equal((await alerts()).length, before);
  });
});
