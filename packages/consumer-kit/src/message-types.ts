import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { EventType, EventTypeSchema, InventoryEventSchema, type InventoryEvent } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import { HEADER, headerValue, type MessageHeaders } from "./headers.js";
import { skuToken, typeToken } from "./subjects.js";

/** A stock record (one SKU at one location): the unit of order and version continuity. */
export interface RecordKey {
  readonly sku: string;
  readonly locationId: string;
}

/** Where a message stands in its record's history, for message types that carry a version. */
export interface VersionedRecord extends RecordKey {
  /** The record's version after the change. */
  readonly version: bigint;
  /**
   * True when the message observes the change before it and carries that change's version (a
   * `StockShortfallDetected`): it follows its version rather than raising it.
   */
  readonly sharesVersion: boolean;
}

/** A problem of a decoded message: a contradicting header or a payload that breaks the contract. */
export interface MessageProblem {
  readonly reason: "contradicting-header" | "missing-header" | "invalid-payload";
  readonly detail: string;
  readonly header?: string;
}

/**
 * What the kit knows of one message type it can decode: its schema, the id consumers dedupe on,
 * the record and version it moves (when it carries one) and its own consistency checks.
 */
export interface MessageType<Desc extends DescMessage = DescMessage> {
  /** The fully qualified protobuf name, as `Invsync-Message` carries it. */
  readonly typeName: string;
  readonly schema: Desc;
  /** The id this message is deduplicated on (it must equal `Nats-Msg-Id`). */
  id(message: MessageShape<Desc>): string;
  /** Its stock record and version; undefined for types outside version continuity (alerts). */
  record(message: MessageShape<Desc>): VersionedRecord | undefined;
  /** A problem with the message as received (beyond the headers every type shares), or undefined. */
  check(message: MessageShape<Desc>, headers: MessageHeaders, subject: string): MessageProblem | undefined;
}

/**
 * A message type from its generated schema: `messageType(StockRunningLowSchema, { id: (m) => m.alertId })`.
 * Without `record` it takes no part in version continuity; without `check` only the shared header
 * rules apply.
 */
export function messageType<Desc extends DescMessage>(
  schema: Desc,
  parts: {
    id(message: MessageShape<Desc>): string;
    record?(message: MessageShape<Desc>): VersionedRecord | undefined;
    check?(message: MessageShape<Desc>, headers: MessageHeaders, subject: string): MessageProblem | undefined;
  },
): MessageType<Desc> {
  return {
    typeName: schema.typeName,
    schema,
    id: parts.id,
    record: parts.record ?? (() => undefined),
    check: parts.check ?? (() => undefined),
  };
}

/** `EVENT_TYPE_STOCK_COUNTED` → `StockCounted`: the `Invsync-Event-Type` of an event type. */
export function eventTypeName(type: EventType): string | undefined {
  const value = EventTypeSchema.values.find((v) => v.number === type);
  if (!value || type === EventType.UNSPECIFIED) return undefined;
  return value.name
    .replace(/^EVENT_TYPE_/, "")
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** `invsync.events.v1.InventoryEvent`: every change of stock, with its record's version. */
export const inventoryEventType: MessageType<typeof InventoryEventSchema> = messageType(InventoryEventSchema, {
  id: (event) => event.eventId,
  record: (event) => ({
    sku: event.sku,
    locationId: event.locationId,
    version: event.version,
    sharesVersion: event.type === EventType.STOCK_SHORTFALL_DETECTED,
  }),
  check: checkInventoryEvent,
});

function checkInventoryEvent(event: InventoryEvent, headers: MessageHeaders, subject: string): MessageProblem | undefined {
  if (!event.eventId) return { reason: "invalid-payload", detail: "event_id is empty" };
  if (!event.sku) return { reason: "invalid-payload", detail: "sku is empty" };
  if (!event.locationId) return { reason: "invalid-payload", detail: "location_id is empty" };
  if (event.version < 1n) return { reason: "invalid-payload", detail: "version is 0 (versions start at 1)" };
  const name = eventTypeName(event.type);
  if (!name) return { reason: "invalid-payload", detail: `type ${event.type} is not a known event type` };
  const header = headerValue(headers, HEADER.eventType);
  if (header === undefined) return { reason: "missing-header", detail: `header ${HEADER.eventType} is missing`, header: HEADER.eventType };
  if (header !== name) return { reason: "contradicting-header", detail: `header ${HEADER.eventType} says ${header}, the payload's type is ${name}`, header: HEADER.eventType };
  const expectedTail = `.${typeToken(name)}.${skuToken(event.sku)}`;
  if (!subject.endsWith(expectedTail)) {
    return { reason: "contradicting-header", detail: `subject ${subject} does not end with ${expectedTail} (type ${name}, sku ${event.sku})`, header: "subject" };
  }
  return undefined;
}
