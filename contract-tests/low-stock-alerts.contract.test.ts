import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import assert from "node:assert/strict";
import pg from "pg";
import { InventoryEventSchema } from "../gen/invsync/events/v1/inventory_event_pb.js";
import { ClearReason, StockRunningLowClearedSchema, StockRunningLowSchema } from "../gen/invsync/events/v1/stock_alert_pb.js";
import { connectJson } from "./support/reservation-calls.js";
import { NATS_URL } from "./support/test-servers.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor, waitForValue } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

/** A message on the stream, raw. */
interface StreamMessage {
  readonly seq: number;
  readonly subject: string;
  readonly headers: Record<string, string>;
  readonly data: Uint8Array;
}

/** Everything on `stream` under `filter`, read by a consumer of our own as a downstream team would. */
async function readStream(stream: string, filter: string): Promise<StreamMessage[]> {
  const nc = await connect({ servers: NATS_URL, timeout: 2000 });
  try {
    const info = await (await jetstreamManager(nc)).consumers.add(stream, { filter_subject: filter, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: nanos(30_000) });
    const consumer = await jetstream(nc).consumers.get(stream, info.name);
    const out: StreamMessage[] = [];
    for (let pending = info.num_pending; out.length < pending; ) {
      for await (const m of await consumer.fetch({ max_messages: 1000, expires: 1000 })) {
        const headers: Record<string, string> = {};
        for (const [key, values] of m.headers ?? []) headers[key] = values[0] ?? "";
        out.push({ seq: m.seq, subject: m.subject, headers, data: m.data });
      }
      if (out.length === 0 && pending === 0) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe("contract: predictive low-stock alerts on the event stream", function () {
  this.timeout(90_000);
  let svc: TestService;
  let sequence = 0;
  const SKU = "LOW.1";
  const token = "LOW~2E1";

  async function count(quantity: number) {
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(`low-${++sequence}`, [wmsUpdate(SKU, sequence, quantity, { wmsId: "wms-low", observedAt: new Date(Date.now() - 500).toISOString() })]));
    assert.equal(res.body.accepted, 1, JSON.stringify(res.body));
  }
  async function reserve(quantity: number, key: string) {
    const result = await connectJson(svc.baseUrl, "ReserveStock", { sku: SKU, quantity, orderReference: `O-${key}`, idempotencyKey: key, ttl: "3600s" });
    assert.ok(result.ok, JSON.stringify(result));
  }
  const alertsOn = async (type: "stock_running_low" | "stock_running_low_cleared") => readStream(svc.stream.stream, `${svc.stream.subjectPrefix}.v1.${type}.>`);
  const db = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: svc.database.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  before(async () => {
    // A 10-minute half-life: a few reservations a second read as hundreds of units an hour.
    svc = await startTestService("low_stock", { LOW_STOCK_ALERTS: "true", LOW_STOCK_HORIZON_MINUTES: "60", LOW_STOCK_HALF_LIFE_MINUTES: "10", LOW_STOCK_CLEAR_FACTOR: "1.5" });
  });
  after(async () => {
    await svc?.stop();
  });

  it("raises StockRunningLow as reservations deplete a WMS count, and clears it when a new count restocks", async () => {
    await count(100);
    for (let i = 1; i <= 4; i++) await reserve(5, `low-${i}`);
    const [raised] = await waitForValue("a StockRunningLow on the stream", async () => {
      const found = await alertsOn("stock_running_low");
      return found.length > 0 ? found : undefined;
    });
    assert.equal(raised!.subject, `${svc.stream.subjectPrefix}.v1.stock_running_low.${token}`);
    const low = fromBinary(StockRunningLowSchema, raised!.data);
    assert.deepEqual(
      [raised!.headers["Nats-Msg-Id"], raised!.headers["Content-Type"], raised!.headers["Invsync-Message"], raised!.headers["Invsync-Event-Type"]],
      [low.eventId, "application/protobuf", "invsync.events.v1.StockRunningLow", "StockRunningLow"],
    );
    assert.deepEqual([low.sku, low.locationId, Number(low.horizon!.seconds), Number(low.halfLife!.seconds)], [SKU, "default", 3600, 600]);
    assert.ok(low.ratePerHour > 0, `rate ${low.ratePerHour}`);
    // The estimate was made at a version of the record's own chain, with the available that version left.
    const events = (await readStream(svc.stream.stream, `${svc.stream.subjectPrefix}.v1.*.${token}`)).filter((m) => m.headers["Invsync-Message"] === "invsync.events.v1.InventoryEvent");
    const atVersion = events.map((m) => fromBinary(InventoryEventSchema, m.data)).find((e) => e.version === low.stockVersion);
    assert.ok(atVersion, `an event at version ${low.stockVersion}`);
    assert.equal(low.available, atVersion.after!.available);
    const hours = (timestampMs(low.expectedStockoutAt!) - timestampMs(low.timestamp!)) / 3_600_000;
    assert.ok(Math.abs(hours - Number(low.available) / low.ratePerHour) < 1e-3 && hours < 1, `stockout in ${hours} h`);
    assert.equal((await alertsOn("stock_running_low")).length, 1, "raised once, not once per reservation");
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    assert.match(metrics, /^invsync_low_stock_records\{location_id="default"\} 1$/m);
    assert.match(metrics, /^invsync_low_stock_alerts_total\{type="StockRunningLow"\} 1$/m);

    await count(100_000);
    const [clearedMessage] = await waitForValue("a StockRunningLowCleared on the stream", async () => {
      const found = await alertsOn("stock_running_low_cleared");
      return found.length > 0 ? found : undefined;
    });
    const cleared = fromBinary(StockRunningLowClearedSchema, clearedMessage!.data);
    assert.equal(clearedMessage!.headers["Invsync-Message"], "invsync.events.v1.StockRunningLowCleared");
    assert.deepEqual([cleared.reason, cleared.raisedEventId, cleared.sku], [ClearReason.RESTOCKED, low.eventId, SKU]);
    assert.equal(Number(cleared.available), 100_000 - 20);
    assert.ok(clearedMessage!.seq > raised!.seq);

    // The record's InventoryEvent chain is untouched: versions 1..n, no gap, in stream order.
    const chain = (await readStream(svc.stream.stream, `${svc.stream.subjectPrefix}.v1.*.${token}`))
      .filter((m) => m.headers["Invsync-Message"] === "invsync.events.v1.InventoryEvent")
      .map((m) => Number(fromBinary(InventoryEventSchema, m.data).version));
    assert.deepEqual(chain, chain.map((_, i) => i + 1));
    assert.equal(chain.length, 6);
    const kept = await db<{ type: string }>(`SELECT type FROM low_stock_alerts ORDER BY at, type DESC`);
    assert.deepEqual(kept.map((r) => r.type), ["StockRunningLow", "StockRunningLowCleared"]);
  });

  it("keeps its rates across a restart: the estimate goes on from where it was, and nothing is raised twice", async () => {
    const [before] = await db<{ weight: number; version: string }>(`SELECT weight, version FROM low_stock_estimates WHERE sku = '${SKU}'`);
    assert.ok(before!.weight > 19 && before!.weight <= 20, `weight ${before!.weight}`);
    svc = await svc.restart();
    await reserve(7, "low-after-restart");
    await waitFor("the reservation after the restart applied", async () => {
      const [row] = await db<{ version: string }>(`SELECT version FROM low_stock_estimates WHERE sku = '${SKU}'`);
      return Number(row!.version) === Number(before!.version) + 1;
    });
    const [after] = await db<{ weight: number }>(`SELECT weight FROM low_stock_estimates WHERE sku = '${SKU}'`);
    assert.ok(after!.weight > 26 && after!.weight <= 27, `weight ${after!.weight}: the 20 units before the restart are still counted`);
    assert.equal((await alertsOn("stock_running_low")).length, 1);
    assert.equal((await alertsOn("stock_running_low_cleared")).length, 1);
  });
});
