import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EventSource, EventType, InventoryEventSchema } from "../gen/invsync/events/v1/inventory_event_pb.js";
import { ensureBuilt } from "./support/service-process.js";
import { NATS_URL, testStream } from "./support/test-servers.js";

/** Runs `invsync events …` against the test's stream; resolves with its exit code and output. */
async function invsyncEvents(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["dist/src/cli.js", "events", ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("contract: invsync events prints what is on the stream", function () {
  this.timeout(60_000);
  const stream = testStream("eventscli");
  const env = { NATS_URL, NATS_STREAM: stream.stream, NATS_SUBJECT_PREFIX: stream.subjectPrefix };

  before(async () => {
    ensureBuilt();
    const nc = await connect({ servers: NATS_URL });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.v1.>`] });
      const js = jetstream(nc);
      const event = (sku: string, version: number, type: EventType, onHand: number) =>
        toBinary(
          InventoryEventSchema,
          create(InventoryEventSchema, {
            eventId: `evt-${sku}-${version}`,
            type,
            sku,
            locationId: "default",
            delta: BigInt(onHand),
            source: EventSource.WMS,
            timestamp: timestampFromDate(new Date("2026-12-06T12:00:00Z")),
            before: { onHand: 0n, reserved: 0n, available: 0n },
            after: { onHand: BigInt(onHand), reserved: 0n, available: BigInt(onHand) },
            version: BigInt(version),
            cause: { kind: { case: "wmsUpdate", value: { wmsId: "wms-eu1", sequence: BigInt(version), batchId: "b-1" } } },
          }),
        );
      const h = headers();
      h.set("Invsync-Event-Type", "StockCounted");
      await js.publish(`${stream.subjectPrefix}.v1.stock_counted.SKU-1`, event("SKU-1", 1, EventType.STOCK_COUNTED, 10), { headers: h });
      await js.publish(`${stream.subjectPrefix}.v1.stock_counted.A~2EB`, event("A.B", 1, EventType.STOCK_COUNTED, 4));
      await js.publish(`${stream.subjectPrefix}.v1.stock_reserved.SKU-1`, event("SKU-1", 2, EventType.STOCK_RESERVED, 10));
      await js.publish(`${stream.subjectPrefix}.v1.stock_counted.SKU-1`, new Uint8Array([0xff, 0xff, 0xff]));
    } finally {
      await nc.close();
    }
  });
  after(() => stream.delete());

  it("prints every event, one line each, and names a payload that does not decode instead of stopping", async () => {
    const { code, stdout } = await invsyncEvents(env);
    assert.equal(code, 0);
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 4);
    assert.equal(lines[0], "#1 2026-12-06T12:00:00.000Z StockCounted SKU-1@default v1 on_hand 0→10 reserved 0→0 available 0→10 (wms wms-eu1 #1, batch b-1)");
    assert.match(lines[2]!, /^#3 .* StockReserved SKU-1@default v2 /);
    assert.match(lines[3]!, /^#4 \S+\.v1\.stock_counted\.SKU-1: not an invsync\.events\.v1\.InventoryEvent \(/);
  });

  it("filters by SKU (subject-safe token) and type, and starts where asked", async () => {
    assert.deepEqual((await invsyncEvents(env, "--sku", "A.B")).stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["#2"]);
    assert.deepEqual((await invsyncEvents(env, "--type", "StockReserved")).stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["#3"]);
    assert.deepEqual((await invsyncEvents(env, "--type", "stock_reserved", "--sku", "SKU-1")).stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["#3"]);
    assert.deepEqual((await invsyncEvents(env, "--from-seq", "3")).stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["#3", "#4"]);
    assert.deepEqual((await invsyncEvents(env, "--last", "2", "--limit", "1")).stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["#3"]);
    assert.deepEqual((await invsyncEvents(env, "--since", "2000-01-01T00:00:00Z", "--limit", "2")).stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["#1", "#2"]);
  });

  it("--json prints the stream sequence, subject, headers and the payload as protobuf JSON", async () => {
    const first = JSON.parse((await invsyncEvents(env, "--json", "--limit", "1")).stdout.trim());
    assert.equal(first.streamSequence, 1);
    assert.equal(first.subject, `${stream.subjectPrefix}.v1.stock_counted.SKU-1`);
    assert.equal(first.headers["Invsync-Event-Type"], "StockCounted");
    assert.deepEqual([first.event.type, first.event.after.onHand, first.event.cause.wmsUpdate.wmsId], ["EVENT_TYPE_STOCK_COUNTED", "10", "wms-eu1"]);
    const junk = JSON.parse((await invsyncEvents(env, "--json", "--from-seq", "4")).stdout.trim());
    assert.match(junk.undecodable, /^not an invsync\.events\.v1\.InventoryEvent/);
  });

  it("says what is wrong: bad options (exit 2), no such stream, no NATS (exit 1), nothing to show", async () => {
    const twoStarts = await invsyncEvents(env, "--from-seq", "1", "--last", "1");
    assert.deepEqual([twoStarts.code, /--from-seq and --last: give one starting point/.test(twoStarts.stderr)], [2, true]);
    const badLimit = await invsyncEvents(env, "--limit", "0");
    assert.deepEqual([badLimit.code, /--limit "0": must be a whole number of at least 1/.test(badLimit.stderr)], [2, true]);
    const badSince = await invsyncEvents(env, "--since", "yesterday");
    assert.deepEqual([badSince.code, /--since "yesterday": must be an ISO 8601 time/.test(badSince.stderr)], [2, true]);
    const noStream = await invsyncEvents({ ...env, NATS_STREAM: `${stream.stream}_NONE` });
    assert.deepEqual([noStream.code, /stream not found/.test(noStream.stderr)], [1, true]);
    const noNats = await invsyncEvents({ ...env, NATS_URL: "nats://127.0.0.1:1" });
    assert.deepEqual([noNats.code, /cannot reach NATS at nats:\/\/127\.0\.0\.1:1/.test(noNats.stderr)], [1, true]);
    const badConfig = await invsyncEvents({ ...env, NATS_STREAM: "no spaces allowed" });
    assert.deepEqual([badConfig.code, /NATS_STREAM="no spaces allowed": must be letters, digits/.test(badConfig.stderr)], [1, true]);
    const none = await invsyncEvents(env, "--sku", "NEVER-SEEN");
    assert.deepEqual([none.code, none.stdout, /no events on .*NEVER-SEEN/.test(none.stderr)], [0, "", true]);
  });
});
