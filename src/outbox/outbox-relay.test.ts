import assert from "node:assert/strict";
import { systemClock } from "../shared/clock.js";
import { silentLogger } from "../shared/logger.js";
import type { EventPublisher } from "./event-publisher.port.js";
import type { OutboxMessage } from "./outbox-message.js";
import { OutboxRelay } from "./outbox-relay.js";
import type { OutboxBacklog, OutboxStore } from "./outbox-store.port.js";
import { soleProcessLease } from "./relay-lease.port.js";

/** An outbox held in memory: the relay's port, implemented plainly to test its ordering rules. */
class MemoryOutbox implements OutboxStore {
  readonly published = new Set<string>();
  constructor(readonly events: OutboxMessage[]) {}
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

/** A bus that records what it accepted, and refuses the events it is told to, once each. */
class RecordingBus implements EventPublisher {
  readonly accepted: OutboxMessage[] = [];
  constructor(
    private readonly failOnce = new Set<string>(),
    private readonly delayMs: () => number = () => 0,
  ) {}
  async publish(event: OutboxMessage) {
    const delay = this.delayMs();
    await new Promise((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)));
    if (this.failOnce.delete(event.eventId)) throw new Error(`bus refused ${event.eventId}`);
    this.accepted.push(event);
  }
  isConnected() {
    return true;
  }
}

/** A message whose payload is its version number, so tests can read the order back. */
function event(id: string, sku: string, version: number): OutboxMessage {
  return { position: id, eventId: id, type: "StockCounted", sku, payload: Uint8Array.of(version), committedAt: new Date(), observedAt: undefined };
}

function versionOf(message: OutboxMessage): number {
  return message.payload[0]!;
}

const options = { batchSize: 100, idleDelayMs: 10, maxBackoffMs: 20, pipelineDepth: 3 };

describe("OutboxRelay", () => {
  it("publishes everything and marks only what the bus acknowledged", async () => {
    const events = [event("a1", "A", 1), event("b1", "B", 1), event("a2", "A", 2)];
    const outbox = new MemoryOutbox(events);
    const bus = new RecordingBus();
    const relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, silentLogger, options);
    assert.deepEqual(await relay.publishRound(), { published: 3, unpublished: 0 });
    assert.deepEqual([...outbox.published].sort(), ["a1", "a2", "b1"]);
  });

  it("after a failed publish, holds back the rest of that SKU so its order is kept, and lets other SKUs through", async () => {
    const events = [event("a1", "A", 1), event("a2", "A", 2), event("a3", "A", 3), event("b1", "B", 1), event("b2", "B", 2)];
    const outbox = new MemoryOutbox(events);
    const bus = new RecordingBus(new Set(["a2"]));
    const relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, silentLogger, options);

    await assert.rejects(relay.publishRound(), /bus refused a2/);
    assert.deepEqual([...outbox.published].sort(), ["a1", "b1", "b2"], "a3 waits behind a2");

    assert.deepEqual(await relay.publishRound(), { published: 2, unpublished: 0 });
    const orderOf = (sku: string) => bus.accepted.filter((e) => e.sku === sku).map(versionOf);
    assert.deepEqual(orderOf("A"), [1, 2, 3]);
    assert.deepEqual(orderOf("B"), [1, 2]);
  });

  it("publishes nothing and keeps every row while the bus is disconnected", async () => {
    const outbox = new MemoryOutbox([event("a1", "A", 1)]);
    const bus = new RecordingBus();
    bus.isConnected = () => false;
    const relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, silentLogger, options);
    assert.deepEqual(await relay.publishRound(), { published: 0, unpublished: 1 });
    assert.equal(outbox.published.size, 0);
  });

  it("does nothing without the lease (another replica runs the relay)", async () => {
    const outbox = new MemoryOutbox([event("a1", "A", 1)]);
    const lease = { acquire: async () => false, release: async () => undefined };
    const relay = new OutboxRelay(outbox, new RecordingBus(), lease, systemClock, silentLogger, options);
    assert.deepEqual(await relay.publishRound(), { published: 0, unpublished: 0 });
    assert.equal(outbox.published.size, 0);
  });

  it("in the background, retries failures until everything is published, then drains on stop", async () => {
    const events = Array.from({ length: 250 }, (_, i) => event(`e${i}`, `S${i % 7}`, i));
    const outbox = new MemoryOutbox(events);
    const bus = new RecordingBus(new Set(["e3", "e100", "e101"]));
    const relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, silentLogger, options);
    relay.start();
    for (let i = 0; i < 200 && outbox.published.size < events.length; i++) await new Promise((r) => setTimeout(r, 10));
    await relay.stop(100);
    assert.equal(outbox.published.size, events.length);
    for (let s = 0; s < 7; s++) {
      const versions = bus.accepted.filter((e) => e.sku === `S${s}`).map(versionOf);
      assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `S${s} in order`);
    }
  });

  it("keeps order per SKU across pipelined batches whose acknowledgements arrive out of order, and publishes each event once", async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const events = Array.from({ length: 1200 }, (_, i) => event(`p${i}`, `S${Math.floor(random() * random() * 40)}`, i % 250));
    const outbox = new MemoryOutbox(events);
    const bus = new RecordingBus(new Set(["p10", "p500", "p501", "p900"]), () => Math.floor(random() * 4));
    const relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, silentLogger, { ...options, batchSize: 50, pipelineDepth: 4 });
    relay.start();
    for (let i = 0; i < 500 && outbox.published.size < events.length; i++) await new Promise((r) => setTimeout(r, 10));
    await relay.stop(100);
    assert.equal(outbox.published.size, events.length);
    assert.equal(bus.accepted.length, events.length, "no event was sent twice");
    const position = new Map(events.map((e, i) => [e.eventId, i]));
    for (const sku of new Set(events.map((e) => e.sku))) {
      const sent = bus.accepted.filter((e) => e.sku === sku).map((e) => position.get(e.eventId)!);
      assert.deepEqual(sent, [...sent].sort((a, b) => a - b), `${sku} in commit order`);
    }
  });
});
