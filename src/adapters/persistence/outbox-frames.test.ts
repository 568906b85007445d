import assert from "node:assert/strict";
import { decodeChunk, encodeChunk, MalformedOutboxChunk, type OutboxFrame } from "./outbox-frames.js";

const frames: OutboxFrame[] = [
  { eventId: "0b9c1a52-3f0e-4d2a-9c47-5f1e2d3c4b5a", type: "StockCounted", sku: "SKU-ü-1", committedMs: 1_764_547_200_123, observedMs: 1_764_547_199_000, payload: Uint8Array.from([1, 2, 3]) },
  { eventId: "FFFFFFFF-0000-4000-8000-000000000001", type: "StockReserved", sku: "", committedMs: 0, observedMs: undefined, payload: new Uint8Array(0) },
  { eventId: "00000000-0000-4000-8000-000000000002", type: "StockAdjusted", sku: "S".repeat(300), committedMs: 1.5, observedMs: 0, payload: new Uint8Array(70_000).fill(7) },
];

const plain = (decoded: ReturnType<typeof decodeChunk>) => decoded.map(({ payload, ...rest }) => ({ ...rest, payload: [...payload] }));

describe("outbox chunk frames", () => {
  it("round-trips every field, ids in lower case, a missing observed time as undefined", () => {
    const decoded = decodeChunk(encodeChunk(frames));
    assert.deepEqual(
      plain(decoded),
      frames.map((frame, index) => ({ ...frame, index, eventId: frame.eventId.toLowerCase(), payload: [...frame.payload] })),
    );
  });

  it("skips the first messages (those already acknowledged), keeping their indexes", () => {
    assert.deepEqual(decodeChunk(encodeChunk(frames), 2).map((frame) => [frame.index, frame.type]), [[2, "StockAdjusted"]]);
    assert.deepEqual(decodeChunk(encodeChunk(frames), 3), []);
  });

  it("refuses a chunk cut inside a frame, saying where", () => {
    const chunk = encodeChunk(frames.slice(0, 1));
    for (const cut of [1, 16, 20, chunk.length - 1]) {
      assert.throws(() => decodeChunk(chunk.subarray(0, cut)), (error: unknown) => error instanceof MalformedOutboxChunk && /ends inside a frame/.test(error.message));
    }
  });

  it("refuses an event id that is not a UUID and text longer than a frame holds", () => {
    assert.throws(() => encodeChunk([{ ...frames[0]!, eventId: "evt-1" }]), /"evt-1" is not a UUID/);
    assert.throws(() => encodeChunk([{ ...frames[0]!, sku: "x".repeat(70_000) }]), /70000 bytes does not fit/);
  });
});
