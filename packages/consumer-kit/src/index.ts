/**
 * @invsync/consumer-kit: read inventory-sync's events on NATS JetStream safely. Decoding into typed
 * messages (dead letters for anything malformed), dedupe by event id and per-record version
 * continuity through a consumer store, healing of gaps, and a durable pull consumer. See
 * docs/consumer-kit.md.
 */
export { HEADER, PROTOBUF_CONTENT_TYPE, headerValue, type MessageHeaders } from "./headers.js";
export type { RawMessage } from "./raw-message.js";
export { skuToken, typeToken, recordSubjectFilter } from "./subjects.js";
export { deadLetter, type DeadLetter, type DeadLetterReason } from "./dead-letter.js";
export { messageType, inventoryEventType, eventTypeName, type MessageType, type MessageProblem, type RecordKey, type VersionedRecord } from "./message-types.js";
export { MessageRegistry, defaultRegistry } from "./message-registry.js";
export { decodeMessage, isInventoryEvent, type Decoded, type ReceivedMessage, type ReceivedEvent } from "./decode.js";
