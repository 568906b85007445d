import { randomFillSync } from "node:crypto";

/** Hands out unique identifiers for events and records. */
export interface IdGenerator {
  /** A new unique id. */
  next(): string;
}

const POOL_BYTES = 16 * 1024;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `count` cryptographically random bytes, drawn from a pool refilled 16 KiB at a time. */
function randomBytes(count: number): Buffer {
  if (offset + count > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += count;
  return pool.subarray(offset - count, offset);
}

let lastMs = -1;
let lastCounter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter (rand_a, RFC 9562 method 1)
 * and 62 random bits, so ids sort by creation time, also several made in one millisecond by this
 * process (a split reservation's parts come back in the order they were made), and index well in
 * PostgreSQL. The counter starts at a random value below 2048 each millisecond. Random bits come
 * from a pool: one id per event is on the hot path, and a system call per id cost more than the
 * rest of making it.
 */
export function uuidV7(now = Date.now()): string {
  const bytes = Buffer.allocUnsafe(16);
  const random = randomBytes(10);
  const counter = now === lastMs && lastCounter < 0xfff ? lastCounter + 1 : ((random[0]! << 8) | random[1]!) & 0x7ff;
  lastMs = now;
  lastCounter = counter;
  bytes.writeUIntBE(now, 0, 6);
  random.copy(bytes, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Time-ordered UUIDv7 ids: unique, and they index well in PostgreSQL. */
export const uuidV7Ids: IdGenerator = { next: () => uuidV7() };
