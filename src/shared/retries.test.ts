import assert from "node:assert/strict";
import { backoffMs, CallFailedError } from "./retries.js";

describe("backoffMs", () => {
  it("doubles from the first wait per retry, up to the cap", () => {
    const ceiling = (retry: number) => backoffMs(retry, 500, 30_000, () => 1);
    assert.deepEqual([1, 2, 3, 4, 7, 8, 20].map(ceiling), [500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it("waits a random point of the upper half (jitter), never less", () => {
    assert.equal(backoffMs(3, 500, 30_000, () => 0), 1000);
    assert.equal(backoffMs(3, 500, 30_000, () => 0.5), 1500);
    for (let i = 0; i < 100; i++) {
      const wait = backoffMs(2, 100, 1000);
      assert.ok(wait >= 100 && wait <= 200, `${wait}`);
    }
  });
});

describe("CallFailedError", () => {
  it("is retryable unless the peer refused the call", () => {
    const failure = { attempt: 1, status: 400, message: "no", retryAfterMs: undefined, retryInMs: undefined };
    assert.equal(new CallFailedError({ ...failure, kind: "rejected" }, "no").retryable, false);
    assert.equal(new CallFailedError({ ...failure, kind: "server_error", status: 503 }, "no").retryable, true);
    assert.equal(new CallFailedError({ ...failure, kind: "timeout", status: undefined }, "no").retryable, true);
  });
});
