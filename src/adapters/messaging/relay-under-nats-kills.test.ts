import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MemoryOutbox } from "../../../contract-tests/support/memory-outbox.js";
import { PrivateNats } from "../../../contract-tests/support/private-nats.js";
import { testStream } from "../../../contract-tests/support/test-servers.js";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import { OutboxRelay } from "../../outbox/outbox-relay.js";
import { soleProcessLease } from "../../outbox/relay-lease.port.js";
import { systemClock } from "../../shared/clock.js";
import { silentLogger } from "../../shared/logger.js";
import { JetStreamEventPublisher } from "./jetstream-event-publisher.js";

const EVENTS = 30_000;
const SKUS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Every message of `stream` in stream order: its event id and the SKU and version its payload names. */
async function readStream(url: string, stream: string, count: number): Promise<Array<{ id: string; sku: string; version: number }>> {
  const nc = await connect({ servers: url });
  try {
    const messages = await (await jetstream(nc).consumers.get(stream)).consume({ max_messages: 5_000 });
    const read: Array<{ id: string; sku: string; version: number }> = [];
    for await (const m of messages) {
      const [sku, version] = new TextDecoder().decode(m.data).split(":");
      read.push({ id: m.headers?.get("Nats-Msg-Id") ?? "", sku: sku!, version: Number(version) });
      if (m.info.pending === 0 && read.length >= count) break;
    }
    return read;
  } finally {
    await nc.close();
  }
}

describe("Outbox relay on JetStream while NATS is killed under load (real NATS)", function () {
  this.timeout(120_000);
  let nats: PrivateNats;

  before(async () => {
    nats = await PrivateNats.start();
  });
  after(async () => {
    await nats?.destroy();
  });

  it("stores every event once (after dedupe by event id), each SKU's in version order", async () => {
    const { stream, subjectPrefix } = testStream("relay_kills");
    const bus = new JetStreamEventPublisher(
      { url: nats.url, stream, subjectPrefix, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000, publishTimeoutMs: 2_000 },
      silentLogger,
    );
    const outbox = new MemoryOutbox([]);
    const relay = new OutboxRelay(outbox, bus, soleProcessLease, systemClock, silentLogger, { batchSize: 500, idleDelayMs: 10, maxBackoffMs: 200, pipelineDepth: 4 });
    relay.start();

    // Skewed traffic, as WMS counts are: a few SKUs take most events, so many of one SKU fly at once.
    const versions = new Map<string, number>();
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const producing = (async () => {
      for (let n = 0; n < EVENTS; n += 250) {
        const chunk: OutboxMessage[] = Array.from({ length: 250 }, (_, i) => {
          const sku = `SKU-${Math.floor(SKUS * random() ** 3)}`;
          const version = (versions.get(sku) ?? 0) + 1;
          versions.set(sku, version);
          const eventId = `e${n + i}`;
          return { position: eventId, eventId, type: "StockCounted", sku, payload: new TextEncoder().encode(`${sku}:${version}`), committedAt: new Date(), observedAt: undefined };
        });
        outbox.append(chunk);
        relay.wake();
        await sleep(5);
      }
    })();

    for (const after of [4_000, 14_000]) {
      await until(`${after} events published`, () => outbox.published.size >= after, 60_000);
      await nats.stop("SIGKILL");
      await sleep(300);
      await nats.start();
    }
    await producing;
    await until("every event published", () => outbox.published.size === EVENTS, 90_000);
    await relay.stop(1_000);
    await bus.close();

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
