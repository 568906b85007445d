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
export { recordId, type ConsumerStore, type ConsumerTransaction, type RecordPosition, type StoreChanges } from "./consumer-store.js";
export { MemoryConsumerStore, type MemoryEffect } from "./memory-consumer-store.js";
export { PostgresConsumerStore, type PostgresConsumerStoreOptions } from "./postgres-consumer-store.js";
export { judgeVersion, type ContinuityIssue, type FirstSight, type Healing, type Verdict } from "./continuity.js";
export type { MissingEventSource, RecordState, RecordStateSource } from "./healing-sources.js";
export { HandlerError, type EventHandler } from "./event-handler.js";
export { EventProcessor, type BatchResult, type EventProcessorOptions, type MessageOutcome } from "./event-processor.js";
export { rawFromJetStream } from "./jetstream-messages.js";
export { JetStreamMissingEvents } from "./jetstream-missing-events.js";
export { GrpcInventoryState, type GrpcInventoryStateOptions } from "./grpc-inventory-state.js";
export { startDurableConsumer, ensureDurableConsumer, startAfterStoredPosition, type DurableConsumerOptions, type RunningConsumer, type StartPoint } from "./durable-consumer.js";
