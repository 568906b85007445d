/**
 * The relay's queue keeps one row per chunk of a transaction's events, their messages framed
 * back to back in one `bytea` (bound as one binary parameter, so PostgreSQL parses nothing per
 * event). A frame, all integers big-endian:
 *
 * | bytes | field |
 * |---|---|
 * | 16 | event id (UUID) |
 * | 2 + n | event type, UTF-8, length first |
 * | 2 + n | SKU, UTF-8, length first |
 * | 8 | committed at, epoch ms (float64) |
 * | 8 | WMS observed at, epoch ms (float64; NaN when the cause is local) |
 * | 4 + n | the encoded event, length first |
 *
 * Migration `0013-outbox-chunks` writes the same layout in SQL (`uuid_send`, `int2send`,
 * `float8send`, `int4send`); the two are tested against each other.
 */

/** One message as framed. */
export interface OutboxFrame {
  readonly eventId: string;
  readonly type: string;
  readonly sku: string;
  readonly committedMs: number;
  readonly observedMs: number | undefined;
  readonly payload: Uint8Array;
}

/** Thrown for a chunk that is not a whole sequence of frames (a bug or a damaged row, never input). */
export class MalformedOutboxChunk extends Error {
  override readonly name = "MalformedOutboxChunk";
}

const FIXED_BYTES = 16 + 2 + 2 + 8 + 8 + 4;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `frames` as one chunk. */
export function encodeChunk(frames: readonly OutboxFrame[]): Buffer {
  let size = 0;
  for (const frame of frames) {
    size += FIXED_BYTES + Buffer.byteLength(frame.type) + Buffer.byteLength(frame.sku) + frame.payload.byteLength;
  }
  const chunk = Buffer.allocUnsafe(size);
  let at = 0;
  for (const frame of frames) {
    if (!UUID.test(frame.eventId)) throw new MalformedOutboxChunk(`event id ${JSON.stringify(frame.eventId)} is not a UUID`);
    at += chunk.write(frame.eventId.replaceAll("-", ""), at, "hex");
    at = writeText(chunk, at, frame.type);
    at = writeText(chunk, at, frame.sku);
    at = chunk.writeDoubleBE(frame.committedMs, at);
    at = chunk.writeDoubleBE(frame.observedMs ?? Number.NaN, at);
    at = chunk.writeUInt32BE(frame.payload.byteLength, at);
    chunk.set(frame.payload, at);
    at += frame.payload.byteLength;
  }
  return chunk;
}

/** The frames of `chunk` from the `skip`-th on, each with its index in the chunk. */
export function decodeChunk(chunk: Buffer, skip = 0): Array<OutboxFrame & { readonly index: number }> {
  const frames: Array<OutboxFrame & { index: number }> = [];
  let at = 0;
  for (let index = 0; at < chunk.length; index++) {
    need(chunk, at, FIXED_BYTES);
    const hex = chunk.toString("hex", at, (at += 16));
    const eventId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const type = readText(chunk, at);
    at = type.next;
    const sku = readText(chunk, at);
    at = sku.next;
    need(chunk, at, 20);
    const committedMs = chunk.readDoubleBE(at);
    const observedMs = chunk.readDoubleBE(at + 8);
    const length = chunk.readUInt32BE(at + 16);
    at += 20;
    need(chunk, at, length);
    if (index >= skip) {
      const payload = chunk.subarray(at, at + length);
      frames.push({ index, eventId, type: type.text, sku: sku.text, committedMs, observedMs: Number.isNaN(observedMs) ? undefined : observedMs, payload });
    }
    at += length;
  }
  return frames;
}

function writeText(chunk: Buffer, at: number, text: string): number {
  const length = chunk.write(text, at + 2, "utf8");
  if (length > 0xffff) throw new MalformedOutboxChunk(`text of ${length} bytes does not fit a frame`);
  chunk.writeUInt16BE(length, at);
  return at + 2 + length;
}

function readText(chunk: Buffer, at: number): { text: string; next: number } {
  need(chunk, at, 2);
  const length = chunk.readUInt16BE(at);
  need(chunk, at + 2, length);
  return { text: chunk.toString("utf8", at + 2, at + 2 + length), next: at + 2 + length };
}

function need(chunk: Buffer, at: number, bytes: number): void {
  if (at + bytes > chunk.length) throw new MalformedOutboxChunk(`chunk of ${chunk.length} bytes ends inside a frame (at byte ${at}, ${bytes} more needed)`);
}
