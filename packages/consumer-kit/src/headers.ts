/** The headers inventory-sync puts on every message (docs/events.md, "Headers"). */
export const HEADER = {
  /** The message id; equals the payload's id (`event_id`). JetStream drops resends by it. */
  msgId: "Nats-Msg-Id",
  /** `application/protobuf`. */
  contentType: "Content-Type",
  /** The protobuf message name, for example `invsync.events.v1.InventoryEvent`. */
  message: "Invsync-Message",
  /** The event type of an `InventoryEvent`, for example `StockCounted`. */
  eventType: "Invsync-Event-Type",
} as const;

/** The only payload encoding inventory-sync publishes. */
export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

/** A message's headers, first value of each, by name as sent. */
export type MessageHeaders = Readonly<Record<string, string>>;

/** A header's value, looked up without regard to case (NATS header names are case-sensitive on the wire, people are not). */
export function headerValue(headers: MessageHeaders, name: string): string | undefined {
  if (name in headers) return headers[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}
