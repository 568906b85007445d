import assert from "node:assert/strict";
import { systemClock } from "../shared/clock.js";
import { silentLogger } from "../shared/logger.js";
import type { EventPublisher, PublishOutcome, PublishReceipt, StoredCheck } from "./event-publisher.port.js";
import type { OutboxMessage } from "./outbox-message.js";
import type { OutboxBacklog, OutboxStore } from "./outbox-store.port.js";
import type { OutboxLease } from "./outbox-lease.port.js";
import type { OutboxShare } from "./outbox-partition.js";
import { OutboxRelay } from "./outbox-relay.js";
import { StreamChain } from "./stream-chain.js";
import { soleProcessLease } from "../shared/lease.port.js";

/** An outbox held in memory: the relay's port, implemented plainly to test its ordering rules. */
class MemoryOutbox implements OutboxStore {
  readonly published = new Set<string>();
  constructor(readonly events: OutboxMessage[]) {}
  /** Commits more events, after those already held. */
  append(messages: readonly OutboxMessage[]): void {
    this.events.push(...messages);
  }
  async fetchUnpublished(limit: number, exclude: readonly string[]) {
    const skip = new Set(exclude);
    return this.events.filter((e) => !this.published.has(e.eventId) && !skip.has(e.position)).slice(0, limit);
  }
  async markPublished(messages: readonly OutboxMessage[]) {
    for (const { eventId } of messages) this.published.add(eventId);
  }
  async backlog(): Promise<OutboxBacklog> {
    return { count: this.events.length - this.published.size, oldestAt: undefined };
  }
}

/** What goes wrong with one message, once: lost on the way, refused, or stored with its acknowledgement lost. */
type Fault = "lose" | "refuse" | "lose-ack";

/**
 * A stream held in memory with JetStream's rules: dedupe by event id first, then the expected last
 * sequence. Messages may reach it late (`delayMs`), so later ones can arrive first, as after a
 * reconnect that flushes buffered publishes; `faults` strike the named events once each.
 */
class MemoryStream implements EventPublisher {
  readonly stored: OutboxMessage[] = [];
  private readonly ids = new Map<string, number>();
  constructor(
    private readonly faults = new Map<string, Fault>(),
    private readonly delayMs: () => number = () => 0,
  ) {}
  async publish(message: OutboxMessage, afterSequence: number, afterEventId?: string): Promise<PublishReceipt> {
    const fault = this.faults.get(message.eventId);
    this.faults.delete(message.eventId);
    await this.arrival();
    if (fault === "lose") throw new Error(`${message.eventId} lost`);
    if (fault === "refuse") throw new Error(`bus refused ${message.eventId}`);
    const earlier = this.ids.get(message.eventId);
    if (earlier !== undefined) return { sequence: earlier, duplicate: true };
    if (afterSequence !== this.stored.length) throw new Error(`wrong last sequence: ${this.stored.length}`);
    if (afterEventId !== undefined && this.stored.at(-1)?.eventId !== afterEventId) throw new Error(`wrong last msg id: ${this.stored.at(-1)?.eventId}`);
    this.stored.push(message);
    this.ids.set(message.eventId, this.stored.length);
    if (fault === "lose-ack") throw new Error(`ack of ${message.eventId} lost`);
    return { sequence: this.stored.length, duplicate: false };
  }
  /** Each message as its own publish, arriving in its own time (see `publish`), behind its predecessor by sequence and id. */
  publishAll(messages: readonly OutboxMessage[], afterSequence: number, afterEventId?: string): Promise<PublishOutcome[]> {
    return Promise.all(messages.map((message, i) => this.publish(message, afterSequence + i, i > 0 ? messages[i - 1]!.eventId : afterEventId).catch((error: Error) => error)));
  }
  async check(message: OutboxMessage): Promise<StoredCheck> {
    await this.arrival();
    return this.ids.has(message.eventId) ? { stored: true } : { stored: false, lastSequence: this.stored.length };
  }
  isConnected() {
    return true;
  }
  private async arrival(): Promise<void> {
    const delay = this.delayMs();
    await new Promise((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)));
  }
}

/** An outbox that, like the PostgreSQL one, keeps events in groups and hands out whole groups, as many as fit `limit` (one at least). */
class GroupedOutbox extends MemoryOutbox {
  constructor(
    events: OutboxMessage[],
    private readonly groupSize: number,
  ) {
    super(events);
  }
  override async fetchUnpublished(limit: number, exclude: readonly string[]) {
    const pending = await super.fetchUnpublished(Number.MAX_SAFE_INTEGER, exclude);
    const groups = Math.max(1, Math.floor(limit / this.groupSize));
    return pending.slice(0, groups * this.groupSize);
  }
}

/** A message of `sku` (tests read order back by outbox position). */
function event(id: string, sku: string): OutboxMessage {
  return { position: id, eventId: id, type: "StockCounted", sku, payload: new Uint8Array(0), committedAt: new Date(), observedAt: undefined };
}

const options = { batchSize: 100, idleDelayMs: 10, maxBackoffMs: 20, pipelineDepth: 3 };

/** Asserts that `stream` holds each of `events` once, and each SKU's events in outbox order. */
function assertInOrderOnce(stream: MemoryStream, events: readonly OutboxMessage[]): void {
  assert.deepEqual(stream.stored.map((e) => e.eventId).sort(), events.map((e) => e.eventId).sort(), "every event stored, once");
  const position = new Map(events.map((e, i) => [e.eventId, i]));
  for (const sku of new Set(events.map((e) => e.sku))) {
    const sent = stream.stored.filter((e) => e.sku === sku).map((e) => position.get(e.eventId)!);
    assert.deepEqual(sent, [...sent].sort((a, b) => a - b), `${sku} in outbox order`);
  }
}

/** Holds every publish to `stream` on its way until `release()`; `sent()` counts those handed over. */
function holdPublishes(stream: MemoryStream): { sent: () => number; release: () => void } {
  let sent = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const publish = stream.publish.bind(stream);
  stream.publish = async (message, after, afterId) => {
    sent++;
    await held;
    return publish(message, after, afterId);
  };
  return { sent: () => sent, release };
}

async function until(done: () => boolean, rounds = 500): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("OutboxRelay", () => {
  it("publishes everything and marks only what the bus acknowledged", async () => {
    const events = [event("a1", "A"), event("b1", "B"), event("a2", "A")];
    const outbox = new MemoryOutbox(events);
    const stream = new MemoryStream();
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);
    assert.deepEqual(await relay.publishRound(), { published: 3, unpublished: 0 });
    assert.deepEqual([...outbox.published].sort(), ["a1", "a2", "b1"]);
    assert.deepEqual(stream.stored.map((e) => e.eventId), ["a1", "b1", "a2"]);
  });

  it("after a failed publish, stores nothing behind it; the next round resumes from it, in order", async () => {
    const events = [event("a1", "A"), event("a2", "A"), event("b1", "B"), event("a3", "A"), event("b2", "B")];
    const outbox = new MemoryOutbox(events);
    const stream = new MemoryStream(new Map([["a2", "refuse"]]));
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);

    await assert.rejects(relay.publishRound(), /bus refused a2/);
    assert.deepEqual([...outbox.published], ["a1"], "everything sent behind a2 was refused by the stream");

    assert.deepEqual(await relay.publishRound(), { published: 4, unpublished: 0 });
    assertInOrderOnce(stream, events);
  });

  it("asks the bus about events whose acknowledgement was lost instead of storing them twice", async () => {
    const events = [event("a1", "A"), event("a2", "A"), event("a3", "A")];
    const outbox = new MemoryOutbox(events);
    const stream = new MemoryStream(new Map([["a2", "lose-ack"]]));
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);

    await assert.rejects(relay.publishRound(), /ack of a2 lost/);
    assert.deepEqual([...outbox.published].sort(), ["a1", "a3"], "a3 was stored behind a2, which the stream holds");
    assert.deepEqual(await relay.publishRound(), { published: 1, unpublished: 0 });
    assert.deepEqual(stream.stored.map((e) => e.eventId), ["a1", "a2", "a3"]);
  });

  it("publishes nothing and keeps every row while the bus is disconnected", async () => {
    const outbox = new MemoryOutbox([event("a1", "A")]);
    const stream = new MemoryStream();
    stream.isConnected = () => false;
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);
    assert.deepEqual(await relay.publishRound(), { published: 0, unpublished: 1 });
    assert.equal(outbox.published.size, 0);
  });

  it("does nothing without the lease (another replica runs the relay)", async () => {
    const outbox = new MemoryOutbox([event("a1", "A")]);
    const lease = { acquire: async () => false, release: async () => undefined };
    const relay = new OutboxRelay(outbox, new MemoryStream(), lease, systemClock, silentLogger, options);
    assert.deepEqual(await relay.publishRound(), { published: 0, unpublished: 0 });
    assert.equal(outbox.published.size, 0);
  });

  it("resumes behind what another publisher stored in the stream meanwhile", async () => {
    const outbox = new MemoryOutbox([event("a1", "A"), event("a2", "A")]);
    const stream = new MemoryStream();
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);
    await stream.publish(event("x1", "X"), 0);
    assert.deepEqual(await relay.publishRound(), { published: 2, unpublished: 0 });
    assert.deepEqual(stream.stored.map((e) => e.eventId), ["x1", "a1", "a2"]);
  });

  it("in the background, sends a commit's events behind a batch still in flight instead of waiting for its acknowledgement", async () => {
    const outbox = new MemoryOutbox([event("a1", "A")]);
    const stream = new MemoryStream();
    let releaseAck: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (releaseAck = resolve));
    const sent: string[] = [];
    const publish = stream.publish.bind(stream);
    stream.publish = async (message, after, afterId) => {
      sent.push(message.eventId);
      const receipt = await publish(message, after, afterId);
      if (message.eventId === "a1") await held; // a1 is stored; its acknowledgement is slow
      return receipt;
    };
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, { ...options, idleDelayMs: 60_000 });
    relay.start();
    await until(() => sent.length === 1);
    outbox.append([event("a2", "A")]);
    relay.wake(); // as a commit that appended a2 does
    await until(() => sent.length === 2, 100);
    assert.deepEqual(sent, ["a1", "a2"], "a2 went out while a1's acknowledgement was still awaited");
    releaseAck();
    await until(() => outbox.published.size === 2);
    await relay.stop(100);
    assert.deepEqual(stream.stored.map((e) => e.eventId), ["a1", "a2"]);
  });

  it("in the background, resumes after a batch fails while the loop is between batches and nothing else is in flight", async () => {
    const events = ["a1", "a2", "a3", "a4", "a5"].map((id) => event(id, "A"));
    const outbox = new MemoryOutbox(events);
    const stream = new MemoryStream(new Map([["a1", "refuse"]]));
    // The first batch is full, so the loop goes straight back for the next one; the lease answers
    // after the first batch has failed and settled, so the loop finds the chain broken and idle.
    const lease = { acquire: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5)), release: async () => undefined };
    const failures: unknown[] = [];
    const relay = new OutboxRelay(outbox, stream, lease, systemClock, silentLogger, { ...options, batchSize: 2, pipelineDepth: 2 }, { failed: (error) => void failures.push(error) });
    relay.start();
    await until(() => outbox.published.size === events.length, 200);
    await relay.stop(100);
    assert.equal(outbox.published.size, events.length, "every event published");
    assert.match(String(failures[0]), /bus refused a1/, "the failure was reported");
    assertInOrderOnce(stream, events);
  });

  it("stop's drain resumes after a batch that failed while the loop was ending", async () => {
    const events = ["a1", "a2", "a3"].map((id) => event(id, "A"));
    const outbox = new MemoryOutbox(events);
    // The batch is held on its way to the stream until stop() has ended the loop; then a1 is
    // refused, breaking the chain after the loop stopped waiting for it.
    const stream = new MemoryStream(new Map([["a1", "refuse"]]));
    const { sent, release } = holdPublishes(stream);
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);
    relay.start();
    await until(() => sent() > 0);
    assert.equal(sent(), events.length, "the batch is in flight");
    const stopping = relay.stop(1_000);
    release();
    await stopping;
    assert.equal(outbox.published.size, events.length, "the drain published everything");
    assertInOrderOnce(stream, events);
  });

  it("stop's drain goes on while rounds publish fewer than a batch (whole groups that do not fill one)", async () => {
    const events = Array.from({ length: 350 }, (_, i) => event(`g${i}`, `S${i % 7}`));
    const outbox = new GroupedOutbox(events, 70);
    const stream = new MemoryStream();
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);
    await relay.stop(1_000);
    assert.equal(outbox.published.size, events.length, "the drain published every group");
    assertInOrderOnce(stream, events);
  });

  it("in the background, keeps the pipeline full when rounds of whole groups are shorter than a batch", async () => {
    const events = Array.from({ length: 700 }, (_, i) => event(`h${i}`, `S${i % 5}`));
    const outbox = new GroupedOutbox(events, 70);
    const stream = new MemoryStream();
    const { sent, release } = holdPublishes(stream);
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, options);
    relay.start();
    await until(() => sent() >= 3 * 70, 50);
    assert.equal(sent(), 3 * 70, "three short batches in flight at once (pipelineDepth 3), not one");
    release();
    await until(() => outbox.published.size === events.length);
    await relay.stop(100);
    assertInOrderOnce(stream, events);
  });

  it("in the background, with messages arriving out of order, lost, refused or unacknowledged, stores each event once and in order per SKU", async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const events = Array.from({ length: 1200 }, (_, i) => event(`p${i}`, `S${Math.floor(random() * random() * 40)}`));
    const outbox = new MemoryOutbox(events);
    const faults = new Map<string, Fault>([["p10", "lose"], ["p11", "lose-ack"], ["p500", "refuse"], ["p501", "lose-ack"], ["p900", "lose"], ["p1150", "lose-ack"]]);
    const stream = new MemoryStream(faults, () => (random() < 0.02 ? 3 : 0));
    const relay = new OutboxRelay(outbox, stream, soleProcessLease, systemClock, silentLogger, { ...options, batchSize: 50, pipelineDepth: 4 });
    relay.start();
    await until(() => outbox.published.size === events.length);
    await relay.stop(100);
    assert.equal(outbox.published.size, events.length);
    assertInOrderOnce(stream, events);
  });
});

/** An outbox whose events are in partitions (by SKU, as `outboxPartition` does by record), fetched by share. */
class PartitionedOutbox extends MemoryOutbox {
  constructor(private readonly partitionOf: (sku: string) => number) {
    super([]);
  }
  override async fetchUnpublished(limit: number, exclude: readonly string[], share: OutboxShare = "all") {
    const pending = await super.fetchUnpublished(Number.MAX_SAFE_INTEGER, exclude);
    return pending.filter((e) => share === "all" || share.includes(this.partitionOf(e.sku))).slice(0, limit);
  }
}

describe("OutboxRelay with several replicas (each publishing the partitions it leases)", () => {
  it("stores every event once and in order per SKU while partitions move between two relays, with an overlap", async () => {
    const skus = ["A", "B", "C", "D", "E", "F", "G", "H"];
    const outbox = new PartitionedOutbox((sku) => skus.indexOf(sku) % 4);
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const stream = new MemoryStream(new Map(), () => Math.floor(random() * 3));
    const shares: Record<"a" | "b", OutboxShare> = { a: [0, 1], b: [2, 3] };
    const lease = (name: "a" | "b"): OutboxLease => ({ acquire: async () => shares[name], release: async () => undefined });
    const relayOptions = { batchSize: 20, idleDelayMs: 5, maxBackoffMs: 10, pipelineDepth: 2 };
    const relays = [new OutboxRelay(outbox, stream, lease("a"), systemClock, silentLogger, relayOptions), new OutboxRelay(outbox, stream, lease("b"), systemClock, silentLogger, relayOptions)];
    relays.forEach((relay) => relay.start());
    const all: OutboxMessage[] = [];
    let n = 0;
    const commit = (count: number) => {
      const batch = Array.from({ length: count }, () => event(`e${++n}`, skus[n % skus.length]!));
      all.push(...batch);
      outbox.append(batch);
      relays.forEach((relay) => relay.wake());
    };
    for (let i = 0; i < 10; i++) {
      commit(15);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Partition 1 moves to b while a may still have its batch in flight (b takes it before a lets go).
    shares.b = [1, 2, 3];
    for (let i = 0; i < 5; i++) commit(15);
    await new Promise((r) => setTimeout(r, 10));
    shares.a = [0];
    for (let i = 0; i < 5; i++) commit(15);
    // a dies: b takes everything.
    shares.a = [];
    shares.b = [0, 1, 2, 3];
    for (let i = 0; i < 5; i++) commit(15);
    await until(() => outbox.published.size === all.length, 1000);
    await Promise.all(relays.map((relay) => relay.stop(0)));
    assert.equal(outbox.published.size, all.length, "every event acknowledged");
    assertInOrderOnce(stream, all);
  });
});

describe("StreamChain with another writer on the stream", () => {
  it("never lands a later batch behind another replica's events when the batch before it was refused", async () => {
    const stream = new MemoryStream();
    const chain = new StreamChain(stream);
    assert.deepEqual(await chain.sync([event("a1", "A")]), []); // the stream ends at 0
    // Another replica's relay stores two events first: exactly as many as this chain's first batch.
    await stream.publish(event("x1", "X"), 0);
    await stream.publish(event("x2", "X"), 1);
    const first = chain.send([event("a1", "A"), event("a2", "A")]); // expected behind 0: refused
    const second = chain.send([event("a3", "A")]); // expected behind 2, where the stream now ends, but not behind a2
    assert.deepEqual(await first, []);
    assert.deepEqual(await second, [], "a3 is refused: a1 and a2 are not on the stream");
    assert.deepEqual(stream.stored.map((e) => e.eventId), ["x1", "x2"]);
    assert.ok(chain.failed);
  });
});
