import { fromBinary, type Message } from "@bufbuild/protobuf";
import type { InventoryEvent } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { deadLetter, type DeadLetter } from "./dead-letter.js";
import { HEADER, headerValue, PROTOBUF_CONTENT_TYPE, type MessageHeaders } from "./headers.js";
import type { MessageRegistry } from "./message-registry.js";
import { inventoryEventType, type VersionedRecord } from "./message-types.js";
import type { RawMessage } from "./raw-message.js";

/** A message decoded into its typed payload, with where it came from. */
export interface ReceivedMessage<M extends Message = Message> {
  /** The protobuf name (`Invsync-Message`). */
  readonly typeName: string;
  readonly message: M;
  /** The id it is deduplicated on (`event_id` for an InventoryEvent; equals `Nats-Msg-Id`). */
  readonly id: string;
  /** Its record and version, for types in version continuity; undefined otherwise. */
  readonly record: VersionedRecord | undefined;
  readonly subject: string;
  readonly streamSequence: number;
  readonly deliveryCount: number;
  readonly headers: MessageHeaders;
}

/** A received `InventoryEvent`. */
export type ReceivedEvent = ReceivedMessage<InventoryEvent> & { readonly record: VersionedRecord };

/** True when `received` is an `invsync.events.v1.InventoryEvent`. */
export function isInventoryEvent(received: ReceivedMessage): received is ReceivedEvent {
  return received.typeName === inventoryEventType.typeName;
}

/** The outcome of decoding one message: the typed message, or the dead letter saying why not. */
export type Decoded = { readonly ok: true; readonly received: ReceivedMessage } | { readonly ok: false; readonly deadLetter: DeadLetter };

/**
 * Decodes a message by the type its `Invsync-Message` header names (looked up in `registry`), and
 * checks the headers every message carries: `Content-Type` is protobuf and `Nats-Msg-Id` equals the
 * payload's id; then the type's own checks. Anything wrong is a dead letter, never an exception.
 */
export function decodeMessage(raw: RawMessage, registry: MessageRegistry): Decoded {
  const fail = (letter: DeadLetter): Decoded => ({ ok: false, deadLetter: letter });
  const typeName = headerValue(raw.headers, HEADER.message);
  if (!typeName) return fail(deadLetter("missing-header", `header ${HEADER.message} is missing`, raw, HEADER.message));
  const type = registry.get(typeName);
  if (!type) return fail(deadLetter("unknown-message-type", `message type ${typeName} is not one this consumer decodes (${registry.typeNames.join(", ")})`, raw, HEADER.message));
  const contentType = headerValue(raw.headers, HEADER.contentType);
  if (!contentType) return fail(deadLetter("missing-header", `header ${HEADER.contentType} is missing`, raw, HEADER.contentType));
  if (contentType !== PROTOBUF_CONTENT_TYPE) {
    return fail(deadLetter("contradicting-header", `header ${HEADER.contentType} is ${contentType}, not ${PROTOBUF_CONTENT_TYPE}`, raw, HEADER.contentType));
  }
  const msgId = headerValue(raw.headers, HEADER.msgId);
  if (!msgId) return fail(deadLetter("missing-header", `header ${HEADER.msgId} is missing`, raw, HEADER.msgId));
  let message: Message;
  try {
    message = fromBinary(type.schema, raw.data);
  } catch (error) {
    return fail(deadLetter("undecodable-payload", `payload is not a ${typeName}: ${error instanceof Error ? error.message : String(error)}`, raw));
  }
  const problem = type.check(message, raw.headers, raw.subject);
  if (problem) return fail(deadLetter(problem.reason, problem.detail, raw, problem.header));
  const id = type.id(message);
  if (msgId !== id) return fail(deadLetter("contradicting-header", `header ${HEADER.msgId} is ${msgId}, the payload's id is ${id}`, raw, HEADER.msgId));
  return {
    ok: true,
    received: {
      typeName,
      message,
      id,
      record: type.record(message),
      subject: raw.subject,
      streamSequence: raw.streamSequence,
      deliveryCount: raw.deliveryCount,
      headers: raw.headers,
    },
  };
}
