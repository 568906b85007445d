/**
 * The floor's event: the `invsync.events.v1.InventoryEvent` fields a WMS count's event carries
 * (id, type, SKU, location, delta, source, time, before/after, version, the WMS update that caused
 * it), written as protobuf binary by hand into one buffer, so the same consumer reads the floor's
 * stream and the service's. It leaves out what only the service's extra work produces (the
 * strangler routing fields).
 */

/** One event of the floor: a counted quantity that changed a stock record. */
export interface FloorEvent {
  readonly eventId: string;
  readonly sku: string;
  readonly locationId: string;
  readonly delta: number;
  readonly onHandBefore: number;
  readonly onHandAfter: number;
  readonly version: number;
  /** When the transaction that wrote it ran (ms since the epoch). */
  readonly occurredMs: number;
  readonly wmsId: string;
  readonly sequence: number;
  readonly batchId: string;
  /** The WMS's `observedAt` (ms since the epoch). */
  readonly observedMs: number;
}

const EVENT_TYPE_STOCK_COUNTED = 1;
const EVENT_SOURCE_WMS = 1;

/** `event` as an `InventoryEvent` message (proto3: fields in number order, defaults left out). */
export function encodeFloorEvent(event: FloorEvent): Uint8Array {
  const w = new Writer();
  w.text(1, event.eventId);
  w.uint(2, EVENT_TYPE_STOCK_COUNTED);
  w.text(3, event.sku);
  w.text(4, event.locationId);
  w.int64(5, event.delta);
  w.uint(6, EVENT_SOURCE_WMS);
  w.timestamp(7, event.occurredMs);
  w.quantities(8, event.onHandBefore);
  w.quantities(9, event.onHandAfter);
  w.int64(10, event.version);
  const cause = w.open(11);
  const update = w.open(1); // EventCause.wms_update
  w.text(1, event.wmsId);
  w.int64(2, event.sequence);
  w.text(3, event.batchId);
  w.timestamp(4, event.observedMs);
  w.text(5, "v1");
  w.text(6, "COUNTED");
  w.close(update);
  w.close(cause);
  return w.finish();
}

/** A growable buffer with the few protobuf encodings the event needs. */
class Writer {
  private buffer = Buffer.allocUnsafe(256);
  private at = 0;

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  uint(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, 0);
    this.varint(value);
  }

  /** A signed 64-bit integer: negative ones as their 10-byte two's complement. */
  int64(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, 0);
    if (value > 0) this.varint(value);
    else this.bigVarint(BigInt.asUintN(64, BigInt(value)));
  }

  text(field: number, value: string): void {
    if (value === "") return;
    const length = Buffer.byteLength(value);
    this.tag(field, 2);
    this.varint(length);
    this.room(length);
    this.at += this.buffer.write(value, this.at);
  }

  /** A `google.protobuf.Timestamp` (always present, as protobuf-es writes a set message). */
  timestamp(field: number, ms: number): void {
    const at = this.open(field);
    const seconds = Math.floor(ms / 1000);
    this.int64(1, seconds);
    this.uint(2, (ms - seconds * 1000) * 1_000_000);
    this.close(at);
  }

  /** `StockQuantities` with nothing reserved: on hand, and as much available. */
  quantities(field: number, onHand: number): void {
    const at = this.open(field);
    this.int64(1, onHand);
    this.int64(3, onHand);
    this.close(at);
  }

  /** Starts a nested message: its tag and one byte kept for its length. */
  open(field: number): number {
    this.tag(field, 2);
    this.room(1);
    return this.at++;
  }

  /** Ends the nested message opened at `at`, moving it when its length needs more than one byte. */
  close(at: number): void {
    const length = this.at - at - 1;
    if (length < 0x80) {
      this.buffer[at] = length;
      return;
    }
    const bytes = varintLength(length);
    this.room(bytes - 1);
    this.buffer.copyWithin(at + bytes, at + 1, this.at);
    this.at += bytes - 1;
    let value = length;
    for (let i = 0; i < bytes; i++, value = Math.floor(value / 128)) this.buffer[at + i] = (value % 128) | (i < bytes - 1 ? 0x80 : 0);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    this.room(10);
    while (value >= 0x80) {
      this.buffer[this.at++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.at++] = value;
  }

  private bigVarint(value: bigint): void {
    this.room(10);
    while (value >= 0x80n) {
      this.buffer[this.at++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buffer[this.at++] = Number(value);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

function varintLength(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}
