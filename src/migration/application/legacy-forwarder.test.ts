import assert from "node:assert/strict";
import { ManualClock } from "../../shared/clock.js";
import type { Lease } from "../../shared/lease.port.js";
import { silentLogger } from "../../shared/logger.js";
import { CallFailedError, type FailedAttempt } from "../../shared/retries.js";
import type { DeliveryHooks, LegacyEndpoint } from "./legacy-endpoint.port.js";
import type { LegacyFeedBacklog, LegacyFeedEntry, LegacyFeedQueue } from "./legacy-feed-queue.port.js";
import { LegacyForwarder, type LegacyForwarderObserver } from "./legacy-forwarder.js";

/** The feed table in memory: rows with their delivery state. */
class MemoryFeed implements LegacyFeedQueue {
  readonly rows = new Map<bigint, { entry: LegacyFeedEntry; deliveredAt?: Date; attempts: number; lastError?: string }>();
  reads = 0;

  add(...ids: number[]): void {
    for (const id of ids) this.rows.set(BigInt(id), { entry: { feedId: BigInt(id), path: "legacy", schemaVersion: "wms.v1", payloadForm: "json", payloadJson: `{"n":${id}}` }, attempts: 0 });
  }
  async undelivered(limit: number) {
    this.reads++;
    return [...this.rows.values()].filter((r) => !r.deliveredAt).map((r) => r.entry).sort((a, b) => Number(a.feedId - b.feedId)).slice(0, limit);
  }
  async markDelivered(ids: readonly bigint[], attempts: number, at: Date) {
    for (const id of ids) Object.assign(this.rows.get(id)!, { deliveredAt: at, attempts: this.rows.get(id)!.attempts + attempts });
  }
  async recordFailure(ids: readonly bigint[], attempts: number, error: string) {
    for (const id of ids) Object.assign(this.rows.get(id)!, { lastError: error, attempts: this.rows.get(id)!.attempts + attempts });
  }
  async backlog(): Promise<LegacyFeedBacklog> {
    return { count: [...this.rows.values()].filter((r) => !r.deliveredAt).length, oldestFedAt: undefined };
  }
}

/** Legacy's endpoint, answering each delivery with the next scripted outcome (then accepting). */
class ScriptedEndpoint implements LegacyEndpoint {
  readonly received: bigint[][] = [];
  constructor(private readonly outcomes: Array<"ok" | FailedAttempt> = []) {}
  async deliver(entries: readonly LegacyFeedEntry[], hooks: DeliveryHooks): Promise<number> {
    const outcome = this.outcomes.shift() ?? "ok";
    if (outcome !== "ok") {
      hooks.attemptFailed(outcome);
      throw new CallFailedError(outcome, outcome.message);
    }
    this.received.push(entries.map((e) => e.feedId));
    return 1;
  }
}

const refused: FailedAttempt = { attempt: 1, kind: "rejected", status: 400, message: "legacy endpoint answered 400: bad feed", retryAfterMs: undefined, retryInMs: undefined };
const unavailable: FailedAttempt = { attempt: 3, kind: "server_error", status: 503, message: "legacy endpoint answered 503: busy (after 3 attempts)", retryAfterMs: 120_000, retryInMs: undefined };

function forwarder(feed: MemoryFeed, endpoint: LegacyEndpoint, clock: ManualClock, lease: Lease = { acquire: async () => true, release: async () => undefined }) {
  const seen = { delivered: 0, attemptFailures: [] as string[], batchFailures: [] as string[] };
  const observer: LegacyForwarderObserver = {
    delivered: (n) => void (seen.delivered += n),
    attemptFailed: (f) => void seen.attemptFailures.push(f.kind),
    batchFailed: (outcome) => void seen.batchFailures.push(outcome),
  };
  return { seen, forwarder: new LegacyForwarder(feed, endpoint, lease, clock, silentLogger, { batchSize: 2, pollMs: 1000, maxBackoffMs: 60_000 }, observer) };
}

describe("LegacyForwarder", () => {
  it("delivers every undelivered row in feed-id order, a batch per request, and marks each delivered with its attempts", async () => {
    const feed = new MemoryFeed();
    feed.add(5, 1, 3, 2, 4);
    const endpoint = new ScriptedEndpoint();
    const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
    const { forwarder: f, seen } = forwarder(feed, endpoint, clock);
    assert.equal(await f.forward(), 5);
    assert.deepEqual(endpoint.received, [[1n, 2n], [3n, 4n], [5n]]);
    assert.ok([...feed.rows.values()].every((r) => r.deliveredAt?.getTime() === clock.now().getTime() && r.attempts === 1));
    assert.equal(seen.delivered, 5);
    assert.equal(await f.forward(), 0, "nothing left: nothing sent");
    assert.equal(endpoint.received.length, 3);
  });

  it("holds a refused batch with its error, reports it, waits (doubling) before trying the same rows again, and resumes once legacy accepts", async () => {
    const feed = new MemoryFeed();
    feed.add(1, 2, 3);
    const endpoint = new ScriptedEndpoint([refused, refused]);
    const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
    const { forwarder: f, seen } = forwarder(feed, endpoint, clock);

    assert.equal(await f.forward(), 0);
    assert.deepEqual(seen.batchFailures, ["rejected"]);
    assert.deepEqual(seen.attemptFailures, ["rejected"]);
    assert.equal(f.lastFailure, refused.message);
    const first = feed.rows.get(1n)!;
    assert.deepEqual([first.deliveredAt, first.attempts, first.lastError], [undefined, 1, refused.message], "the row stays undelivered, with what happened");
    assert.equal(feed.rows.get(3n)!.attempts, 0, "rows behind it wait their turn");

    clock.advance(400);
    assert.equal(await f.forward(), 0, "within the first wait (0.5-1 s) nothing is sent");
    assert.deepEqual(seen.attemptFailures, ["rejected"]);
    clock.advance(600);
    assert.equal(await f.forward(), 0, "after it, the same rows again: refused again");
    assert.deepEqual(seen.batchFailures, ["rejected", "rejected"]);
    clock.advance(1000);
    assert.equal(await f.forward(), 0, "the second wait is longer (1-2 s)");
    assert.equal(seen.attemptFailures.length, 2);
    clock.advance(1000);
    assert.equal(await f.forward(), 3, "legacy accepts: delivery resumes from the held row");
    assert.deepEqual(endpoint.received, [[1n, 2n], [3n]]);
    assert.equal(f.lastFailure, undefined);
    assert.equal(feed.rows.get(1n)!.attempts, 3);
  });

  it("after a batch that failed every attempt, waits at least what Retry-After asked", async () => {
    const feed = new MemoryFeed();
    feed.add(1);
    const endpoint = new ScriptedEndpoint([unavailable]);
    const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
    const { forwarder: f, seen } = forwarder(feed, endpoint, clock);
    await f.forward();
    assert.deepEqual(seen.batchFailures, ["failed"]);
    assert.equal(feed.rows.get(1n)!.attempts, 3);
    clock.advance(119_000);
    assert.equal(await f.forward(), 0);
    clock.advance(1000);
    assert.equal(await f.forward(), 1);
  });

  it("sends nothing and reads nothing without the lease (another replica forwards)", async () => {
    const feed = new MemoryFeed();
    feed.add(1);
    const endpoint = new ScriptedEndpoint();
    const { forwarder: f } = forwarder(feed, endpoint, new ManualClock(new Date()), { acquire: async () => false, release: async () => undefined });
    assert.equal(await f.forward(), 0);
    assert.deepEqual([feed.reads, endpoint.received.length], [0, 0]);
  });

  it("runs in the background once started, and gives the lease up when stopped", async () => {
    const feed = new MemoryFeed();
    feed.add(1, 2, 3);
    const endpoint = new ScriptedEndpoint();
    let released = 0;
    const { forwarder: f } = forwarder(feed, endpoint, new ManualClock(new Date()), { acquire: async () => true, release: async () => void released++ });
    f.start();
    while ((await feed.backlog()).count > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await f.stop();
    assert.deepEqual(endpoint.received, [[1n, 2n], [3n]]);
    assert.equal(released, 1);
  });
});
