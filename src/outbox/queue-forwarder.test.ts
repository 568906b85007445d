import assert from "node:assert/strict";
import { ManualClock } from "../shared/clock.js";
import { silentLogger } from "../shared/logger.js";
import { CallFailedError, type FailedAttempt } from "../shared/retries.js";
import { QueueForwarder, type Delivered, type DeliveryHooks, type ForwardQueue } from "./queue-forwarder.js";

interface Entry {
  readonly id: number;
  readonly key: string;
}

/** A queue in memory that keeps parked entries' later entries of the same key back, as the sync outbox does. */
class MemoryQueue implements ForwardQueue<Entry> {
  readonly state = new Map<number, { entry: Entry; status: "pending" | "delivered" | "parked"; reason?: string; ack?: string }>();

  add(...entries: Array<[number, string]>): void {
    for (const [id, key] of entries) this.state.set(id, { entry: { id, key }, status: "pending" });
  }
  async undelivered(limit: number) {
    const rows = [...this.state.values()].sort((a, b) => a.entry.id - b.entry.id);
    return rows
      .filter((r) => r.status === "pending" && !rows.some((p) => p.status === "parked" && p.entry.key === r.entry.key && p.entry.id < r.entry.id))
      .map((r) => r.entry)
      .slice(0, limit);
  }
  async markDelivered(entries: readonly Entry[], delivered: Delivered) {
    for (const e of entries) Object.assign(this.state.get(e.id)!, { status: "delivered", ack: delivered.acknowledgement });
  }
  async recordFailure() {}
  async park(entry: Entry, _attempts: number, reason: string) {
    Object.assign(this.state.get(entry.id)!, { status: "parked", reason });
  }
  statuses(): string[] {
    return [...this.state.values()].map((r) => `${r.entry.id}:${r.status}`);
  }
}

const attempt = (kind: FailedAttempt["kind"], status: number): FailedAttempt => ({ attempt: 1, kind, status, message: `peer answered ${status}`, retryAfterMs: undefined, retryInMs: undefined });

/** A peer refusing the entries `refuse` names and failing while `down`. */
class Peer {
  readonly received: number[] = [];
  down = false;
  constructor(readonly refuse: Set<number>) {}
  async deliver(entries: readonly Entry[], hooks: DeliveryHooks): Promise<Delivered> {
    const [entry] = entries;
    const failure = this.down ? attempt("server_error", 503) : this.refuse.has(entry!.id) ? attempt("rejected", 422) : undefined;
    if (failure) {
      hooks.attemptFailed(failure);
      throw new CallFailedError(failure, failure.message);
    }
    this.received.push(entry!.id);
    return { attempts: 1, acknowledgement: `ok ${entry!.id}` };
  }
}

function forwarder(queue: MemoryQueue, peer: Peer, clock: ManualClock) {
  return new QueueForwarder<Entry>("test", queue, peer, { acquire: async () => true, release: async () => undefined }, clock, silentLogger, {
    batchSize: 10,
    pollMs: 1000,
    maxBackoffMs: 60_000,
    refused: "park",
    onePerRequest: true,
    orderKey: (e) => e.key,
    describe: (entries) => ({ id: entries[0]!.id }),
    words: { attemptFailed: "a", recovered: "r", refused: "p", failed: "f" },
  });
}

describe("QueueForwarder (park mode)", () => {
  it("parks a refused entry, holds only the later entries of its key, and delivers the rest with their acknowledgements", async () => {
    const queue = new MemoryQueue();
    queue.add([1, "A"], [2, "B"], [3, "A"], [4, "C"]);
    const peer = new Peer(new Set([1]));
    assert.equal(await forwarder(queue, peer, new ManualClock(new Date(0))).forward(), 2);
    assert.deepEqual(peer.received, [2, 4]);
    assert.deepEqual(queue.statuses(), ["1:parked", "2:delivered", "3:pending", "4:delivered"]);
    assert.equal(queue.state.get(1)!.reason, "peer answered 422");
    assert.equal(queue.state.get(2)!.ack, "ok 2");

    // An operator retried it and the peer takes it now: 1, then 3, in order.
    peer.refuse.clear();
    queue.state.get(1)!.status = "pending";
    assert.equal(await forwarder(queue, peer, new ManualClock(new Date(0))).forward(), 2);
    assert.deepEqual(peer.received, [2, 4, 1, 3]);
  });

  it("a 5xx stops the round, keeps the entry pending, and waits before the next round", async () => {
    const queue = new MemoryQueue();
    queue.add([1, "A"], [2, "B"]);
    const peer = new Peer(new Set());
    peer.down = true;
    const clock = new ManualClock(new Date(0));
    const forwarding = forwarder(queue, peer, clock);
    assert.equal(await forwarding.forward(), 0);
    assert.deepEqual(queue.statuses(), ["1:pending", "2:pending"]);
    assert.match(forwarding.lastFailure ?? "", /503/);
    peer.down = false;
    assert.equal(await forwarding.forward(), 0, "still waiting out the backoff");
    clock.advance(2000);
    assert.equal(await forwarding.forward(), 2);
    assert.equal(forwarding.lastFailure, undefined);
  });
});
