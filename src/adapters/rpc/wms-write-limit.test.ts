import assert from "node:assert/strict";
import { isInventorySyncError } from "../../shared/errors.js";
import { WMS_OVERLOADED, WmsWriteLimit, type WmsWriteLimits } from "./wms-write-limit.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));
const overloaded = (error: unknown) => isInventorySyncError(error) && error.code === WMS_OVERLOADED && error.kind === "resource_exhausted" && error.metadata.retry_after_seconds === "3";

describe("WmsWriteLimit", () => {
  const limits: WmsWriteLimits = { maxConcurrent: 2, maxBytes: 1000, maxQueued: 0, maxWaitMs: 1000, retryAfterSeconds: 3 };

  it("admits up to maxConcurrent writes; without a queue the next is refused with WMS.OVERLOADED at once", async () => {
    const limit = new WmsWriteLimit(limits);
    const first = await limit.acquire(100);
    await limit.acquire(100);
    await assert.rejects(limit.acquire(100), overloaded);
    first();
    assert.equal(limit.inFlight, 1);
    await limit.acquire(100);
  });

  it("refuses a write whose declared bytes do not fit, but always admits one when nothing else runs", async () => {
    const limit = new WmsWriteLimit(limits);
    const big = await limit.acquire(5000);
    await assert.rejects(limit.acquire(1), /takes at most 2 at once with 0 waiting/);
    big();
    const small = await limit.acquire(900);
    await assert.rejects(limit.acquire(200), overloaded);
    await limit.acquire(100);
    small();
  });

  it("lets up to maxQueued writes wait, admits them in arrival order as slots free up, and refuses the one after", async () => {
    const limit = new WmsWriteLimit({ ...limits, maxConcurrent: 1, maxQueued: 2 });
    const order: string[] = [];
    const first = await limit.acquire(0);
    const second = limit.acquire(0).then((release) => (order.push("second"), release));
    const third = limit.acquire(0).then((release) => (order.push("third"), release));
    await assert.rejects(limit.acquire(0), overloaded, "the queue is full");
    await tick();
    assert.deepEqual([order, limit.queued], [[], 2]);
    first();
    first();
    const releaseSecond = await second;
    await tick();
    assert.deepEqual(order, ["second"], "a slot given back twice lets one waiter in, not two");
    releaseSecond();
    (await third)();
    assert.deepEqual([order, limit.inFlight, limit.queued], [["second", "third"], 0, 0]);
  });

  it("takes a waiting write off the queue when its caller goes away, so the place goes to the next caller", async () => {
    const limit = new WmsWriteLimit({ ...limits, maxConcurrent: 1, maxQueued: 1, maxWaitMs: 60_000 });
    const held = await limit.acquire(0);
    const gone = new AbortController();
    const abandoned = limit.acquire(0, gone.signal);
    await assert.rejects(limit.acquire(0), overloaded, "the one place in the queue is taken");
    gone.abort();
    await assert.rejects(abandoned, (error: unknown) => error instanceof Error && error.name === "AbortError");
    assert.equal(limit.queued, 0);
    const next = limit.acquire(0);
    assert.equal(limit.queued, 1, "a live caller has the place");
    held();
    (await next)();
    assert.deepEqual([limit.inFlight, limit.queued], [0, 0]);
  });

  it("refuses a waiting write after maxWaitMs and forgets it", async () => {
    const limit = new WmsWriteLimit({ ...limits, maxConcurrent: 1, maxQueued: 5, maxWaitMs: 20 });
    const held = await limit.acquire(0);
    await assert.rejects(limit.acquire(0), overloaded);
    assert.equal(limit.queued, 0);
    held();
    assert.equal(limit.inFlight, 0);
  });
});
