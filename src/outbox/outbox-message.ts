/**
 * An event as the relay handles it: already encoded for the bus when it was appended, so the relay
 * only moves bytes. `sku` is the ordering key: messages of one SKU are published in order.
 */
export interface OutboxMessage {
  /** Where the message sits in the outbox; opaque to the relay, handed back to mark it published. */
  readonly position: string;
  readonly eventId: string;
  /** The event type, for example `StockCounted` (it chooses the subject). */
  readonly type: string;
  readonly sku: string;
  /** The encoded event (see {@link EventEncoder}). */
  readonly payload: Uint8Array;
  /** When the change was committed. */
  readonly committedAt: Date;
  /** When the WMS observed what caused it, for freshness; undefined for local causes. */
  readonly observedAt: Date | undefined;
  /** W3C `traceparent` of the work that committed it (tracing on), to continue its trace when publishing. */
  readonly traceContext?: string | undefined;
}
