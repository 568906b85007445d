import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { InventoryEventSchema, type InventoryEvent as InventoryEventMessage } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import type { EventCause, InventoryEvent, OperatorCause, ReconciliationCause } from "../../inventory/domain/inventory-event.js";
import type { NonSellable } from "../../inventory/domain/non-sellable.js";
import type { StockQuantities } from "../../inventory/domain/stock-level.js";
import { SOURCES, TYPES, writeEvent } from "./event-wire.js";
import { routeFields } from "./route-codec.js";

/** Content type of published events. */
export const EVENT_CONTENT_TYPE = "application/protobuf";

/** Fully qualified name of the payload message, sent in a header so consumers can decode blind. */
export const EVENT_MESSAGE_NAME = InventoryEventSchema.typeName;

/** A domain event as its `invsync.events.v1.InventoryEvent` message (the reference {@link encodeEvent} is tested against). */
export function toEventMessage(event: InventoryEvent): InventoryEventMessage {
  return create(InventoryEventSchema, {
    eventId: event.eventId,
    type: TYPES[event.type],
    sku: event.sku,
    locationId: event.locationId,
    delta: BigInt(event.delta),
    source: SOURCES[event.source],
    timestamp: timestampFromDate(event.occurredAt),
    before: quantities(event.before),
    after: quantities(event.after),
    version: BigInt(event.version),
    cause: cause(event.cause),
    nonSellableBefore: event.nonSellable && nonSellable(event.nonSellable.before),
    nonSellableAfter: event.nonSellable && nonSellable(event.nonSellable.after),
    ...routeFields(event.route),
  });
}

/** A domain event encoded for the bus (protobuf binary; see `writeEvent`). */
export function encodeEvent(event: InventoryEvent): Uint8Array {
  return writeEvent(event);
}

function quantities(q: StockQuantities) {
  return { onHand: BigInt(q.onHand), reserved: BigInt(q.reserved), available: BigInt(q.available) };
}

function nonSellable(n: NonSellable) {
  return { damaged: BigInt(n.damaged), qualityHold: BigInt(n.qualityHold) };
}

function cause(c: EventCause) {
  if (c.kind === "operator" || c.kind === "reconciliation") return decisionCause(c);
  if (c.kind === "reservation") {
    return {
      kind: {
        case: "reservation" as const,
        value: {
          reservationId: c.reservationId,
          orderReference: c.orderReference,
          quantity: BigInt(c.quantity),
          expiresAt: timestampFromDate(c.expiresAt),
          shipmentReference: c.shipmentReference,
        },
      },
    };
  }
  return {
    kind: {
      case: "wmsUpdate" as const,
      value: {
        wmsId: c.wmsId,
        sequence: c.sequence,
        batchId: c.batchId,
        observedAt: timestampFromDate(c.observedAt),
        schemaVersion: c.schemaVersion,
        status: c.reason.toUpperCase(),
        movementType: c.movement?.kind.toUpperCase() ?? "",
        stockStatus: c.movement?.status.toUpperCase() ?? "",
        reference: c.movement?.reference ?? "",
      },
    },
  };
}

function decisionCause(c: OperatorCause | ReconciliationCause) {
  if (c.kind === "operator") {
    const { kind: _, expectedOnHand, discrepancyId, ...text } = c;
    return { kind: { case: "operator" as const, value: { ...text, expectedOnHand: BigInt(expectedOnHand), discrepancyId: BigInt(discrepancyId) } } };
  }
  return {
    kind: {
      case: "reconciliation" as const,
      value: {
        runId: BigInt(c.runId),
        discrepancyId: BigInt(c.discrepancyId),
        snapshotObservedAt: timestampFromDate(c.snapshotObservedAt),
        wmsCount: BigInt(c.wmsCount),
        tolerance: BigInt(c.tolerance),
      },
    },
  };
}
