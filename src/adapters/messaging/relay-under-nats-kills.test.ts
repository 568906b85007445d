import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { InventoryEventSchema } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { countedEvent } from "../../../contract-tests/support/counted-event.js";
import { PrivateNats } from "../../../contract-tests/support/private-nats.js";
import { createTestDatabase, testStream, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { OutboxRelay } from "../../outbox/outbox-relay.js";
import { systemClock } from "../../shared/clock.js";
import { soleProcessLease } from "../../shared/lease.port.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import { openDatabase, type Database } from "../persistence/database.js";
import { KnexEventOutbox } from "../persistence/knex-event-outbox.js";
import { KnexUnitOfWork } from "../persistence/knex-unit-of-work.js";
import { encodeEvent } from "./event-codec.js";
import { JetStreamEventPublisher } from "./jetstream-event-publisher.js";

const EVENTS = 30_000;
const SKUS = 300;
/** The publishes at which NATS is killed. */
const KILL_AT = [4_000, 14_000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A logger that keeps the last lines, with their time and fields, to say where the relay stood when the test gave up. */
function recordingLogger(lines: string[], keep = 200): Logger {
  const line = (level: string) => (fields: object, message: string) => {
    lines.push(`${new Date().toISOString()} ${level} ${message} ${JSON.stringify(fields)}`);
    if (lines.length > keep) lines.shift();
  };
  const logger: Logger = { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error"), child: () => logger };
  return logger;
}

/** Every message of `stream` in stream order: its event id and the SKU and version of the event it carries. */
async function readStream(url: string, stream: string, count: number): Promise<Array<{ id: string; sku: string; version: number }>> {
  const nc = await connect({ servers: url });
  try {
    const messages = await (await jetstream(nc).consumers.get(stream)).consume({ max_messages: 5_000 });
    const read: Array<{ id: string; sku: string; version: number }> = [];
    for await (const m of messages) {
      const event = fromBinary(InventoryEventSchema, m.data);
      read.push({ id: m.headers?.get("Nats-Msg-Id") ?? "", sku: event.sku, version: Number(event.version) });
      if (m.info.pending === 0 && read.length >= count) break;
    }
    return read;
  } finally {
    await nc.close();
  }
}

describe("Outbox relay on JetStream while NATS is killed under load (real PostgreSQL outbox, real NATS)", function () {
  this.timeout(120_000);
  let nats: PrivateNats;
  let testDb: TestDatabase;
  let database: Database;

  before(async () => {
    nats = await PrivateNats.start();
    testDb = await createTestDatabase("relay_kills");
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 6 }, silentLogger);
    await database.migrate();
  });
  after(async () => {
    await nats?.destroy();
    await database?.close();
    await testDb?.drop();
  });

  it("stores every event once (after dedupe by event id), each SKU's in version order", async () => {
    const { stream, subjectPrefix } = testStream("relay_kills");
    const log: string[] = [];
    const bus = new JetStreamEventPublisher(
      { url: nats.url, stream, subjectPrefix, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000, publishTimeoutMs: 2_000 },
      recordingLogger(log).child({ component: "bus" }),
    );
    let relay: OutboxRelay | undefined;
    const outbox = new KnexEventOutbox(database.knex, encodeEvent, { onAppended: () => relay?.wake(), chunkEvents: 100 });
    const failures: string[] = [];
    const observer = { failed: (error: unknown) => void failures.push(`${new Date().toISOString()} ${error instanceof Error ? error.message : String(error)}`) };
    relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, recordingLogger(log), { batchSize: 500, idleDelayMs: 10, maxBackoffMs: 200, pipelineDepth: 4 }, observer);
    // NATS is killed (SIGKILL) the moment the relay hands over the batch holding the 4,000th and the
    // 14,000th publish, so those publishes are in flight and their PubAcks lost, and restarted 300 ms later.
    const outages: Array<Promise<void>> = [];
    const publishAll = bus.publishAll.bind(bus);
    let publishes = 0;
    bus.publishAll = (messages, afterSequence, afterEventId) => {
      const before = publishes;
      publishes += messages.length;
      if (KILL_AT.some((at) => before < at && at <= publishes)) outages.push(nats.stop("SIGKILL").then(() => sleep(300)).then(() => nats.start()));
      return publishAll(messages, afterSequence, afterEventId);
    };
    relay.start();
    const unitOfWork = new KnexUnitOfWork(database.knex);
    let appended = 0;
    const published = async () => appended - (await outbox.backlog()).count;

    // Skewed traffic, as WMS counts are: a few SKUs take most events, so many of one SKU fly at once.
    const versions = new Map<string, number>();
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const producing = (async () => {
      for (let n = 0; n < EVENTS; n += 250) {
        const chunk = Array.from({ length: 250 }, (_, i) => {
          const sku = `SKU-${Math.floor(SKUS * random() ** 3)}`;
          const version = (versions.get(sku) ?? 0) + 1;
          versions.set(sku, version);
          return countedEvent(sku, version, n + i + 1, "wms-kills");
        });
        await unitOfWork.run((tx) => outbox.append(tx, chunk));
        appended += chunk.length;
        await sleep(5);
      }
    })();

    await until("both kills over", async () => outages.length === KILL_AT.length, 60_000);
    await Promise.all(outages);
    await producing;
    try {
      await until("every event published", async () => (await published()) === EVENTS, 90_000);
    } catch (error) {
      const state = { published: await published(), bus: bus.status(), relayFailure: relay.lastFailure, failures: failures.slice(-20), log: log.slice(-60) };
      throw new Error(`${(error as Error).message}: ${JSON.stringify(state, null, 1)}`);
    }
    await relay.stop(1_000);
    await bus.close();

    assert.ok(failures.length >= KILL_AT.length, `each kill broke publishes in flight (failures: ${failures.length})`);
    const read = await readStream(nats.url, stream, EVENTS);
    const seen = new Set<string>();
    const firsts = read.filter((m) => !seen.has(m.id) && seen.add(m.id));
    assert.equal(firsts.length, EVENTS, "every event is in the stream");
    for (const [sku, last] of versions) {
      const order = firsts.filter((m) => m.sku === sku).map((m) => m.version);
      assert.deepEqual(order, Array.from({ length: last }, (_, i) => i + 1), `${sku} in version order, none missing`);
    }
  });
});
