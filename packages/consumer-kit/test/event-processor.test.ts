import assert from "node:assert/strict";
import { EventType } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { EventProcessor } from "../src/event-processor.js";
import type { MissingEventSource, RecordState, RecordStateSource } from "../src/healing-sources.js";
import { MemoryConsumerStore } from "../src/memory-consumer-store.js";
import type { RawMessage } from "../src/raw-message.js";
import { inventoryEvent, rawMessage } from "./event-fixtures.js";
import { RecordingHandler } from "./recording-handler.js";

/** The stream as an array: a re-read by subject filter and sequence range, as JetStream answers it. */
class ArrayStream implements MissingEventSource {
  reads = 0;
  constructor(readonly messages: RawMessage[]) {}
  async read(subjectFilter: string, afterSequence: number, beforeSequence: number): Promise<RawMessage[]> {
    this.reads++;
    const pattern = new RegExp(`^${subjectFilter.replace(/\./g, "\\.").replace("*", "[^.]+")}$`);
    return this.messages.filter((m) => pattern.test(m.subject) && m.streamSequence > afterSequence && m.streamSequence < beforeSequence);
  }
}

function history(sku: string, count: number, firstSequence = 1): RawMessage[] {
  return Array.from({ length: count }, (_, i) => rawMessage(inventoryEvent(sku, i + 1, (i + 1) * 10), firstSequence + i));
}

describe("consumer kit: the event processor (dedupe, continuity, healing, dead letters)", () => {
  function processor(handler: RecordingHandler, heal: { events?: MissingEventSource; state?: RecordStateSource } = {}, store = new MemoryConsumerStore()) {
    return new EventProcessor({ consumer: "test", store, handler, heal, maxDeliveries: 3 });
  }

  it("applies each record's events in order and a redelivered batch not again", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const batch = [...history("A", 3), ...history("B", 2, 4)];
    const first = await kit.process(batch);
    assert.equal(first.applied, 5);
    assert.deepEqual([...first.outcomes.values()], ["ack", "ack", "ack", "ack", "ack"]);
    const again = await kit.process(batch);
    assert.equal(again.applied, 0);
    assert.equal(again.duplicates, 5);
    assert.equal(handler.applied.length, 5);
    assert.equal(handler.onHand.get("A/default"), 30n);
    assert.deepEqual(handler.issues, []);
  });

  it("drops a duplicate inside one batch, and one whose id was applied in an earlier batch although it comes back out of order", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const [one, two, three] = history("A", 3);
    const result = await kit.process([one!, one!, two!]);
    assert.equal(result.applied, 2);
    assert.equal(result.duplicates, 1);
    await kit.process([three!, { ...one!, deliveryCount: 2 }]);
    assert.equal(handler.applied.length, 3);
    assert.deepEqual(handler.issues, []);
  });

  it("applies a shortfall that shares its change's version, once", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const counted = rawMessage(inventoryEvent("A", 1, 2), 1);
    const shortfall = rawMessage(inventoryEvent("A", 1, 2, { type: EventType.STOCK_SHORTFALL_DETECTED }), 2);
    await kit.process([counted, shortfall]);
    await kit.process([shortfall]);
    assert.equal(handler.applied.length, 2);
    assert.deepEqual(handler.issues, []);
  });

  it("heals a gap by re-reading the missing events by subject and sequence", async () => {
    const handler = new RecordingHandler();
    const stream = history("A", 5);
    const kit = processor(handler, { events: new ArrayStream(stream) });
    await kit.process([stream[0]!]);
    const result = await kit.process([stream[4]!]);
    assert.equal(result.applied, 4);
    assert.deepEqual(handler.applied, stream.map((m) => m.headers["Nats-Msg-Id"]));
    assert.equal(handler.issues.length, 1);
    assert.deepEqual({ ...handler.issues[0], eventId: undefined }, {
      kind: "gap",
      record: { sku: "A", locationId: "default" },
      lastVersion: 1n,
      version: 5n,
      eventId: undefined,
      streamSequence: 5,
      healing: "events",
    });
    const late = await kit.process([{ ...stream[2]!, deliveryCount: 2 }]);
    assert.equal(late.duplicates, 1);
    assert.equal(handler.issues.length, 1);
  });

  it("heals a gap from the record's current state when the events are gone, and skips what the state covers", async () => {
    const handler = new RecordingHandler();
    const stream = history("A", 6);
    const state: RecordState = { sku: "A", locationId: "default", onHand: 50n, reserved: 0n, available: 50n, damaged: 0n, qualityHold: 0n, version: 5n };
    const source: RecordStateSource = { current: async () => state };
    const kit = processor(handler, { events: new ArrayStream([stream[0]!, stream[4]!]), state: source });
    await kit.process([stream[0]!]);
    const healed = await kit.process([stream[4]!]);
    assert.equal(healed.applied, 0, "version 5 is in the state");
    assert.equal(handler.issues[0]?.healing, "state");
    assert.deepEqual(handler.states, [state]);
    const rest = await kit.process([stream[3]!, stream[5]!]);
    assert.equal(rest.duplicates, 1, "version 4 is covered by the state");
    assert.equal(rest.applied, 1);
    assert.equal(handler.onHand.get("A/default"), 60n);
    assert.equal(handler.issues.length, 1);
  });

  it("reports a gap it cannot heal and applies the event as it came", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const stream = history("A", 3);
    await kit.process([stream[2]!]);
    assert.equal(handler.applied.length, 1);
    assert.deepEqual([handler.issues[0]?.kind, handler.issues[0]?.lastVersion, handler.issues[0]?.version, handler.issues[0]?.healing], ["gap", 0n, 3n, "none"]);
  });

  it("adopts a record's first version when it joins the stream midway", async () => {
    const handler = new RecordingHandler();
    const kit = new EventProcessor({ consumer: "late", store: new MemoryConsumerStore(), handler, firstSight: "adopt" });
    await kit.process(history("A", 3).slice(1));
    assert.equal(handler.applied.length, 2);
    assert.deepEqual(handler.issues, []);
  });

  it("reports a step back (an older version under an id never applied) and skips it", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const stream = history("A", 2);
    const stale = rawMessage(inventoryEvent("A", 1, 99), 3);
    await kit.process([...stream, stale]);
    assert.equal(handler.onHand.get("A/default"), 20n);
    assert.deepEqual([handler.issues[0]?.kind, handler.issues[0]?.lastVersion, handler.issues[0]?.version], ["step-back", 2n, 1n]);
  });

  it("reports garbage as dead letters between good messages, terminates it and applies the rest", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const [one, two] = history("A", 2);
    const garbage: RawMessage = { subject: "inventory.v1.stock_counted.A", streamSequence: 5, deliveryCount: 1, headers: {}, data: new Uint8Array([1, 2, 3]) };
    const result = await kit.process([one!, garbage, { ...two!, streamSequence: 6 }]);
    assert.equal(result.applied, 2);
    assert.deepEqual([...result.outcomes.entries()], [[1, "ack"], [5, "term"], [6, "ack"]]);
    assert.equal(handler.deadLetters[0]?.reason, "missing-header");
  });

  it("retries only the message the handler fails on, and dead-letters it after its last delivery", async () => {
    const handler = new RecordingHandler();
    const kit = processor(handler);
    const a = history("A", 1);
    const b = history("B", 1, 2);
    handler.failOn.add(2);
    const first = await kit.process([...a, ...b]);
    assert.deepEqual([...first.outcomes.entries()], [[1, "ack"], [2, "retry"]]);
    assert.equal(first.errors.length, 1);
    assert.equal(handler.applied.length, 1, "the failed batch's effects were rolled back, then A applied alone");
    const last = await kit.process([{ ...b[0]!, deliveryCount: 3 }]);
    assert.deepEqual([...last.outcomes.entries()], [[2, "term"]]);
    assert.equal(handler.deadLetters[0]?.reason, "handler-failed");
    assert.match(handler.deadLetters[0]!.detail, /each of 3 deliveries.*cannot apply sequence 2/);
  });
});
