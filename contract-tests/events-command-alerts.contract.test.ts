import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { encodeAlert } from "../src/adapters/messaging/stock-alert-codec.js";
import type { LowStockAlert } from "../src/low-stock/domain/low-stock-alert.js";
import { ensureBuilt } from "./support/service-process.js";
import { NATS_URL, testStream } from "./support/test-servers.js";

describe("contract: invsync events decodes low-stock alerts by Invsync-Message", function () {
  this.timeout(60_000);
  const stream = testStream("eventscli_alerts");
  const env = { PATH: process.env.PATH ?? "", NATS_URL, NATS_STREAM: stream.stream, NATS_SUBJECT_PREFIX: stream.subjectPrefix };
  const common = { sku: "SKU-1", locationId: "default", available: 6, ratePerHour: 3.2, horizonMs: 240 * 60_000, halfLifeMs: 3_600_000, stockVersion: 12, at: new Date("2026-12-07T09:00:00Z") };
  const raised: LowStockAlert = { type: "StockRunningLow", eventId: "0193a000-0000-7000-8000-000000000001", ...common, expectedStockoutAt: new Date("2026-12-07T10:52:30Z") };
  const cleared: LowStockAlert = { type: "StockRunningLowCleared", eventId: "0193a000-0000-7000-8000-000000000002", ...common, available: 500, stockVersion: 13, expectedStockoutAt: undefined, reason: "restocked", raisedEventId: raised.eventId };

  before(async () => {
    ensureBuilt();
    const nc = await connect({ servers: NATS_URL });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.v1.>`] });
      for (const [alert, token] of [[raised, "stock_running_low"], [cleared, "stock_running_low_cleared"]] as const) {
        const h = headers();
        h.set("Invsync-Message", `invsync.events.v1.${alert.type}`);
        h.set("Invsync-Event-Type", alert.type);
        await jetstream(nc).publish(`${stream.subjectPrefix}.v1.${token}.SKU-1`, encodeAlert(alert), { headers: h });
      }
    } finally {
      await nc.close();
    }
  });
  after(() => stream.delete());

  it("prints each alert as a line, filters by its type, and gives its JSON with --json", async () => {
    const run = async (...args: string[]) => (await promisify(execFile)(process.execPath, ["dist/src/cli.js", "events", ...args], { env })).stdout.trim().split("\n");
    assert.deepEqual(await run(), [
      "#1 2026-12-07T09:00:00.000Z StockRunningLow SKU-1@default at v12: available 6, 3.20/h, out at 2026-12-07T10:52:30.000Z (horizon 240 min)",
      `#2 2026-12-07T09:00:00.000Z StockRunningLowCleared SKU-1@default at v13: available 500, 3.20/h, never out at this rate (horizon 240 min), restocked, clears ${raised.eventId}`,
    ]);
    assert.deepEqual((await run("--type", "StockRunningLowCleared")).map((l) => l.split(" ")[0]), ["#2"]);
    const [json] = await run("--json", "--limit", "1");
    const parsed = JSON.parse(json!);
    assert.deepEqual([parsed.headers["Invsync-Message"], parsed.event.eventId, parsed.event.available, parsed.event.stockVersion], ["invsync.events.v1.StockRunningLow", raised.eventId, "6", "12"]);
  });
});
