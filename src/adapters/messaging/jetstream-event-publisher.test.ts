import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, MsgHdrsImpl } from "@nats-io/transport-node";
import fc from "fast-check";
import { NATS_URL, testStream, type TestStream } from "../../../contract-tests/support/test-servers.js";
import type { PublishReceipt } from "../../outbox/event-publisher.port.js";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import { silentLogger } from "../../shared/logger.js";
import { EventHeaders, JetStreamEventPublisher } from "./jetstream-event-publisher.js";

function message(eventId: string, sku: string): OutboxMessage {
  return { position: eventId, eventId, type: "StockCounted", sku, payload: Uint8Array.of(1, 2, 3), committedAt: new Date(), observedAt: undefined };
}

/** Publishes one message as a batch of one: its receipt, or its error thrown. */
async function publishOne(bus: JetStreamEventPublisher, m: OutboxMessage, afterSequence: number): Promise<PublishReceipt> {
  const [outcome] = await bus.publishAll([m], afterSequence);
  if (outcome instanceof Error) throw outcome;
  return outcome!;
}

async function storedCount(stream: string): Promise<number> {
  const nc = await connect({ servers: NATS_URL });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

describe("JetStreamEventPublisher (real NATS)", function () {
  this.timeout(20_000);
  let stream: TestStream;
  let bus: JetStreamEventPublisher;
  const id = (n: number) => `${stream.stream}-e${n}`;

  before(async () => {
    stream = testStream("publisher");
    bus = new JetStreamEventPublisher(
      { url: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, publishTimeoutMs: 5_000 },
      silentLogger,
    );
    for (let i = 0; i < 200 && !bus.isConnected(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(bus.isConnected(), "connected to NATS with the stream ready");
  });
  after(async () => {
    await bus?.close();
    await stream?.delete();
  });

  it("refuses a message sent behind one the stream never got, and stores it once that one is in", async () => {
    await assert.rejects(publishOne(bus, message(id(2), "A"), 1), /wrong last sequence: 0/);
    assert.deepEqual(await publishOne(bus, message(id(1), "A"), 0), { sequence: 1, duplicate: false });
    assert.deepEqual(await publishOne(bus, message(id(2), "A"), 1), { sequence: 2, duplicate: false });
    assert.equal(await storedCount(stream.stream), 2);
  });

  it("answers a resend of a stored event as a duplicate at its first sequence, whatever it expects", async () => {
    assert.deepEqual(await publishOne(bus, message(id(1), "A"), 7), { sequence: 1, duplicate: true });
    assert.equal(await storedCount(stream.stream), 2);
  });

  it("says whether the stream holds an event, and where the stream ends, storing nothing", async () => {
    assert.deepEqual(await bus.check(message(id(2), "A")), { stored: true });
    assert.deepEqual(await bus.check(message(id(3), "B")), { stored: false, lastSequence: 2 });
    assert.equal(await storedCount(stream.stream), 2);
  });

  it("confirms a batch (one run, each message behind the one before) by its last PubAck; a message of it the stream dropped fails the whole run, and nothing lands behind the drop", async () => {
    // id(900) is stored on its own first, so the run's copy of it is a resend the stream drops silently.
    assert.deepEqual(await publishOne(bus, message(id(900), "R"), 2), { sequence: 3, duplicate: false });
    const outcomes = await bus.publishAll([message(id(901), "R"), message(id(900), "R"), message(id(902), "R")], 3);
    assert.ok(outcomes.every((o) => o instanceof Error), "the last was refused, so none of the run is confirmed");
    assert.match(String(outcomes[0]), /not acknowledged/);
    assert.equal(await storedCount(stream.stream), 4, "901 landed behind 900; 902, expected behind the dropped copy, did not");
    assert.deepEqual(await bus.check(message(id(901), "R")), { stored: true }, "what the run left unknown the relay asks about");
    assert.deepEqual(await bus.check(message(id(902), "R")), { stored: false, lastSequence: 4 });
  });

  it("fails a run whose first message another writer's message displaced, though the rest would fit behind it by sequence", async () => {
    const stranger = new JetStreamEventPublisher(
      { url: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, publishTimeoutMs: 5_000 },
      silentLogger,
    );
    try {
      for (let i = 0; i < 200 && !stranger.isConnected(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.deepEqual(await publishOne(stranger, message(id(950), "X"), 4), { sequence: 5, duplicate: false });
      // The run expects the stream to end at 4: its first is refused; by sequence alone its second and
      // third would land at 6 and 7, behind the stranger, and the last PubAck would confirm the first.
      const outcomes = await bus.publishAll([message(id(951), "R"), message(id(952), "R"), message(id(953), "R")], 4);
      assert.ok(outcomes.every((o) => o instanceof Error), outcomes.map(String).join("; "));
      assert.equal(await storedCount(stream.stream), 5, "nothing of the run landed behind the stranger");
    } finally {
      await stranger.close();
    }
  });

  it("keeps many batches in flight and stores them all, in the order handed over", async () => {
    const batches = Array.from({ length: 5 }, (_, b) => Array.from({ length: 100 }, (_, i) => message(id(10 + 100 * b + i), `S${i % 7}`)));
    const outcomes = (await Promise.all(batches.map((batch, b) => bus.publishAll(batch, 5 + 100 * b)))).flat();
    assert.deepEqual(outcomes, outcomes.map((_, i) => ({ sequence: 6 + i, duplicate: false })));
    assert.equal(await storedCount(stream.stream), 505);
  });

  it("ends a run at a message the client cannot send: it and the ones before it are not confirmed, and nothing lands behind it", async () => {
    const tooLarge = { ...message(id(700), "L"), payload: new Uint8Array(2 * 1024 * 1024) }; // over NATS's max_payload (1 MiB)
    const outcomes = await bus.publishAll([message(id(701), "L"), tooLarge, message(id(702), "L")], 505);
    assert.ok(outcomes.every((o) => o instanceof Error), outcomes.map(String).join("; "));
    assert.match(String(outcomes[1]), /max_payload/);
    assert.match(String(outcomes[0]), /not acknowledged/);
    assert.match(String(outcomes[2]), /wrong last sequence: 506/, "the rest went out as a run of its own, expected behind the one that never left");
    assert.equal(await storedCount(stream.stream), 506, "701 landed; nothing behind it");
    assert.deepEqual(await bus.check(message(id(701), "L")), { stored: true });
  });

  it("answers every message of a batch when handing it over throws (a header the client refuses), and the relay can ask about what left", async () => {
    // A trace context with a line break: the client refuses it as a header value, mid-batch.
    const broken = { ...message(id(750), "T"), traceContext: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX: y" };
    const outcomes = await bus.publishAll([message(id(751), "T"), broken, message(id(752), "T")], 506);
    assert.equal(outcomes.length, 3);
    assert.ok(outcomes.every((o) => o instanceof Error), outcomes.map(String).join("; "));
    assert.match(String(outcomes[1]), /cannot contain/);
    // 751 was written to the connection before the throw: unknown to the publisher, so the relay asks.
    assert.deepEqual(await bus.check(message(id(751), "T")), { stored: true });
    assert.deepEqual(await bus.check(message(id(752), "T")), { stored: false, lastSequence: 507 });
  });

  it("answers every message of a batch with the failure when NATS is not connected", async () => {
    const offline = new JetStreamEventPublisher(
      { url: "nats://127.0.0.1:1", stream: stream.stream, subjectPrefix: stream.subjectPrefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, publishTimeoutMs: 5_000 },
      silentLogger,
    );
    try {
      const outcomes = await offline.publishAll([message(id(800), "O"), message(id(801), "O")], 0);
      assert.deepEqual(outcomes.map(String), ["Error: NATS is not connected", "Error: NATS is not connected"]);
    } finally {
      await offline.close();
    }
  });
});

describe("EventHeaders", () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/);
  // Header values: anything printable without CR or LF (the client refuses those), non-ASCII included.
  const value = fc.string({ unit: "grapheme", maxLength: 60 }).filter((v) => !/[\r\n]/.test(v));

  it("encodes exactly the bytes the client's own headers encode, in the order set, repeated keys included", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(token, value), { maxLength: 10 }), (pairs) => {
        const ours = new EventHeaders();
        const theirs = new MsgHdrsImpl();
        for (const [key, v] of pairs) {
          ours.append(key, v);
          theirs.append(key, v);
        }
        assert.deepEqual(Buffer.from(ours.encode()), Buffer.from(theirs.encode()));
      }),
    );
  });

  it("encodes nothing for no headers, and a status line as the client does", () => {
    assert.equal(new EventHeaders().encode().length, 0);
    const status = new EventHeaders(503, "No Responders");
    assert.deepEqual(Buffer.from(status.encode()), Buffer.from(new MsgHdrsImpl(503, "No Responders").encode()));
  });
});

describe("JetStreamEventPublisher behind a given event (several replicas' relays on one stream)", function () {
  this.timeout(20_000);
  let stream: TestStream;
  let bus: JetStreamEventPublisher;

  before(async () => {
    stream = testStream("publisher_behind");
    bus = new JetStreamEventPublisher(
      { url: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, publishTimeoutMs: 5_000 },
      silentLogger,
    );
    for (let i = 0; i < 200 && !bus.isConnected(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  });
  after(async () => {
    await bus?.close();
    await stream?.delete();
  });

  it("stores a batch only behind the event it names, even where the stream's sequence matches", async () => {
    const m = (n: number) => message(`${stream.stream}-b${n}`, "A");
    assert.deepEqual(await publishOne(bus, m(1), 0), { sequence: 1, duplicate: false });
    // Another writer's event is last: the sequence would do, the event id does not.
    const [refused] = await bus.publishAll([m(3)], 1, m(2).eventId);
    assert.match(String(refused), /wrong last msg ?id/i);
    assert.equal(await storedCount(stream.stream), 1);
    assert.deepEqual(await bus.publishAll([m(2)], 1, m(1).eventId), [{ sequence: 2, duplicate: false }]);
  });
});
