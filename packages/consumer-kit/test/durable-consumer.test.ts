import assert from "node:assert/strict";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, headers, nanos, type NatsConnection } from "@nats-io/transport-node";
import { NATS_URL, testStream, type TestStream } from "../../../contract-tests/support/test-servers.js";
import { ensureDurableConsumer, startDurableConsumer, type RunningConsumer } from "../src/durable-consumer.js";
import { EventProcessor } from "../src/event-processor.js";
import { JetStreamMissingEvents } from "../src/jetstream-missing-events.js";
import { MemoryConsumerStore } from "../src/memory-consumer-store.js";
import type { RawMessage } from "../src/raw-message.js";
import { inventoryEvent, rawMessage } from "./event-fixtures.js";
import { RecordingHandler } from "./recording-handler.js";

/** Publishes `raw` as the relay would (same subject, headers and bytes); returns its stream sequence. */
async function publish(js: JetStreamClient, raw: RawMessage): Promise<number> {
  const h = headers();
  for (const [k, v] of Object.entries(raw.headers)) h.set(k, v);
  return (await js.publish(raw.subject, raw.data, { headers: h })).seq;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("consumer kit: durable pull consumer on JetStream", function () {
  this.timeout(60_000);
  let nc: NatsConnection;
  let js: JetStreamClient;
  let stream: TestStream;

  beforeEach(async () => {
    stream = testStream("kit_durable");
    nc = await connect({ servers: NATS_URL, maxReconnectAttempts: -1 });
    js = jetstream(nc);
    // A short duplicate window, so a republish a moment later reaches consumers as the relay's resend after a long outage would.
    await (await jetstreamManager(nc)).streams.add({ name: stream.stream, subjects: [`${stream.subjectPrefix}.v1.>`], duplicate_window: nanos(200) });
  });
  let stopAfter: RunningConsumer | undefined;
  afterEach(async () => {
    await stopAfter?.stop();
    stopAfter = undefined;
    await stream.delete();
    await nc.close();
  });

  function events(sku: string, count: number): RawMessage[] {
    return Array.from({ length: count }, (_, i) => rawMessage(inventoryEvent(sku, i + 1, i + 1), 0, stream.subjectPrefix));
  }

  it("applies every event once, terminates garbage without stalling, and resumes where it stopped", async () => {
    const store = new MemoryConsumerStore();
    const handler = new RecordingHandler();
    const processor = new EventProcessor({ consumer: "team-a", store, handler });
    const a = events("A", 30);
    for (const raw of a.slice(0, 10)) await publish(js, raw);
    await js.publish(`${stream.subjectPrefix}.v1.stock_counted.A`, new Uint8Array([9, 9, 9]));
    for (const raw of a.slice(10, 20)) await publish(js, raw);
    const running = await startDurableConsumer(nc, processor, { stream: stream.stream, durable: "team-a", batchSize: 7, ackWaitMs: 2000 });
    stopAfter = running;
    await until("20 events", () => handler.applied.length === 20);
    assert.equal(handler.deadLetters.length, 1);
    assert.equal(handler.deadLetters[0]!.reason, "missing-header");
    await running.stop();
    for (const raw of a.slice(20)) await publish(js, raw);
    await new Promise((r) => setTimeout(r, 300));
    await publish(js, a[5]!); // past the duplicate window: on the stream twice, applied once
    const again = await startDurableConsumer(nc, processor, { stream: stream.stream, durable: "team-a", batchSize: 7 });
    stopAfter = again;
    await until("30 events", () => handler.applied.length === 30);
    await new Promise((r) => setTimeout(r, 500));
    await again.stop();
    assert.equal(handler.applied.length, 30);
    assert.equal(new Set(handler.applied).size, 30);
    assert.deepEqual(handler.issues, []);
    const info = await (await jetstreamManager(nc)).consumers.info(stream.stream, "team-a");
    assert.equal(info.num_ack_pending, 0, JSON.stringify({ delivered: info.delivered, ack_floor: info.ack_floor, redelivered: info.num_redelivered }));
    assert.equal(info.num_pending, 0);
  });

  it("starts a new durable at a stream sequence or a point in time, and a recreated one replays", async () => {
    const a = events("A", 6);
    const sequences: number[] = [];
    for (const raw of a.slice(0, 3)) sequences.push(await publish(js, raw));
    await new Promise((r) => setTimeout(r, 50));
    const cut = new Date();
    for (const raw of a.slice(3)) sequences.push(await publish(js, raw));
    const bySequence = await ensureDurableConsumer(nc, { stream: stream.stream, durable: "from-seq", start: { sequence: sequences[4]! } });
    assert.equal(bySequence.num_pending, 2);
    const byTime = await ensureDurableConsumer(nc, { stream: stream.stream, durable: "from-time", start: { time: cut } });
    assert.equal(byTime.num_pending, 3);
    const kept = await ensureDurableConsumer(nc, { stream: stream.stream, durable: "from-seq", start: { from: "all" }, maxAckPending: 10 });
    assert.equal(kept.num_pending, 2, "an existing durable keeps its place");
    assert.equal(kept.config.max_ack_pending, 10);
    const replay = await ensureDurableConsumer(nc, { stream: stream.stream, durable: "from-time", start: { from: "all" }, recreate: true });
    assert.equal(replay.num_pending, 6);
  });

  it("re-reads a record's missing events by subject and sequence range", async () => {
    const a = events("A.1", 5);
    const b = events("B", 5);
    const seqs = new Map<string, number>();
    for (let i = 0; i < 5; i++) {
      seqs.set(`a${i}`, await publish(js, a[i]!));
      seqs.set(`b${i}`, await publish(js, b[i]!));
    }
    const source = new JetStreamMissingEvents(nc, stream.stream);
    const read = await source.read(`${stream.subjectPrefix}.v1.*.A~2E1`, seqs.get("a0")!, seqs.get("a4")!);
    assert.deepEqual(read.map((m) => m.headers["Nats-Msg-Id"]), [1, 2, 3].map((i) => a[i]!.headers["Nats-Msg-Id"]));
    assert.deepEqual(await source.read(`${stream.subjectPrefix}.v1.*.A~2E1`, seqs.get("a3")!, seqs.get("a3")! + 1), []);
  });

  it("heals a gap from the stream while consuming", async () => {
    const a = events("A", 8);
    for (const raw of a) await publish(js, raw);
    const store = new MemoryConsumerStore();
    const handler = new RecordingHandler();
    // The consumer reads only A's versions 1 and 6-8 (a filter that misses the rest); the kit fetches 2-5.
    const processor = new EventProcessor({ consumer: "healer", store, handler, heal: { events: new JetStreamMissingEvents(nc, stream.stream) } });
    await processor.process([{ ...a[0]!, streamSequence: 1 }]);
    const running = await startDurableConsumer(nc, processor, { stream: stream.stream, durable: "healer", start: { sequence: 6 } });
    stopAfter = running;
    await until("8 events", () => handler.applied.length === 8);
    await running.stop();
    assert.deepEqual(handler.applied, a.map((m) => m.headers["Nats-Msg-Id"]));
    assert.deepEqual(handler.issues.map((i) => [i.kind, i.lastVersion, i.version, i.healing]), [["gap", 1n, 6n, "events"]]);
  });
});
