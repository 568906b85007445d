import assert from "node:assert/strict";
import { isInventorySyncError } from "../../shared/errors.js";
import { WMS_OVERLOADED, WmsWriteLimit } from "./wms-write-limit.js";

describe("WmsWriteLimit", () => {
  const limits = { maxConcurrent: 2, maxBytes: 1000, retryAfterSeconds: 3 };

  it("admits up to maxConcurrent writes, refuses the next with WMS.OVERLOADED, and admits again once one is given back", () => {
    const limit = new WmsWriteLimit(limits);
    const first = limit.acquire(100);
    limit.acquire(100);
    assert.throws(() => limit.acquire(100), (error: unknown) => isInventorySyncError(error) && error.code === WMS_OVERLOADED && error.kind === "resource_exhausted" && error.metadata.retry_after_seconds === "3");
    first();
    assert.equal(limit.inFlight, 1);
    assert.doesNotThrow(() => limit.acquire(100));
  });

  it("refuses a write whose declared bytes do not fit, but always admits one when nothing else runs", () => {
    const limit = new WmsWriteLimit(limits);
    const big = limit.acquire(5000);
    assert.throws(() => limit.acquire(1), /takes at most 2 \(1 KiB\) at once/);
    big();
    const small = limit.acquire(900);
    assert.throws(() => limit.acquire(200), /WMS batches/);
    assert.doesNotThrow(() => limit.acquire(100));
    small();
  });

  it("gives a slot back once however often its release is called", () => {
    const limit = new WmsWriteLimit(limits);
    const release = limit.acquire(10);
    release();
    release();
    assert.equal(limit.inFlight, 0);
    limit.acquire(10);
    limit.acquire(10);
    assert.throws(() => limit.acquire(10));
  });
});
