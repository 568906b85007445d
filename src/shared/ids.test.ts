import assert from "node:assert/strict";
import { uuidV7 } from "./ids.js";

describe("UUIDv7 ids", () => {
  it("are version 7, RFC 9562 variant, and carry their millisecond", () => {
    const id = uuidV7(Date.UTC(2026, 10, 24, 12, 0, 0, 123));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16), Date.UTC(2026, 10, 24, 12, 0, 0, 123));
  });

  it("sort by creation time across milliseconds and do not repeat, across pool refills", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidV7(1_700_000_000_000 + Math.floor(i / 10)));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 10; i < ids.length; i += 10) assert.ok(ids[i - 1]! < ids[i]!, "a later millisecond sorts after");
  });

  it("made in one millisecond, sort in the order they were made (up to 2,048 of them)", () => {
    for (let round = 0; round < 50; round++) {
      const ms = 1_800_000_000_000 + round;
      const ids = Array.from({ length: 2048 }, () => uuidV7(ms));
      assert.deepEqual([...ids].sort(), ids);
      assert.equal(new Set(ids).size, ids.length);
    }
  });
});
