import assert from "node:assert/strict";
import { retryAfterMs } from "./retry-after.js";

describe("retryAfterMs", () => {
  const now = Date.parse("2026-10-21T07:28:00Z");

  it("reads delay-seconds", () => {
    assert.equal(retryAfterMs("120", now), 120_000);
    assert.equal(retryAfterMs(" 3 ", now), 3000);
  });

  it("reads an HTTP date as the time left until it", () => {
    assert.equal(retryAfterMs("Wed, 21 Oct 2026 07:28:30 GMT", now), 30_000);
  });

  it("ignores what asks for no wait: absent, zero, negative, past, garbage", () => {
    for (const header of [null, undefined, "", "0", "-5", "1.5", "soon", "Wed, 21 Oct 2026 07:27:00 GMT"]) {
      assert.equal(retryAfterMs(header, now), undefined, String(header));
    }
  });
});
