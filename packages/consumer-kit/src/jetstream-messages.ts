import type { JsMsg } from "@nats-io/jetstream";
import type { RawMessage } from "./raw-message.js";

/** A JetStream message as the kit's {@link RawMessage} (first value of each header). */
export function rawFromJetStream(message: JsMsg): RawMessage {
  const headers: Record<string, string> = {};
  for (const [key, values] of message.headers ?? []) headers[key] = values[0] ?? "";
  return {
    subject: message.subject,
    streamSequence: message.seq,
    deliveryCount: message.info.deliveryCount,
    headers,
    data: message.data,
  };
}
