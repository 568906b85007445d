import type { MessageHeaders } from "./headers.js";

/**
 * One message as it came off the stream, before decoding: what the kit needs of a JetStream
 * message, so the decoding, dedupe and continuity logic does not depend on the client library.
 */
export interface RawMessage {
  /** The subject it was published on, for example `inventory.v1.stock_counted.SKU-1`. */
  readonly subject: string;
  /** Its sequence in the stream (unique and rising in publish order). */
  readonly streamSequence: number;
  /** How many times it has been delivered to this consumer (1 on the first delivery). */
  readonly deliveryCount: number;
  /** Its headers (first value of each). */
  readonly headers: MessageHeaders;
  /** The payload bytes. */
  readonly data: Uint8Array;
}
