import { timestampDate } from "@bufbuild/protobuf/wkt";
import { EventType, type EventCause, type InventoryEvent, type StockQuantities } from "../../../gen/invsync/events/v1/inventory_event_pb.js";

/**
 * One event as a line for a person reading a terminal: time, type, record, version, the quantities
 * before → after, and what caused it. For example
 * `2026-12-06T12:00:00.000Z StockCounted SKU-1@default v1 on_hand 0→10 reserved 0→0 available 0→10 (wms wms-eu1 #1, batch example-1)`.
 */
export function describeEvent(event: InventoryEvent): string {
  const at = event.timestamp ? timestampDate(event.timestamp).toISOString() : "-";
  return `${at} ${typeName(event.type)} ${event.sku}@${event.locationId} v${event.version} ${quantities(event.before, event.after)} (${causeOf(event.cause)})`;
}

/** `EVENT_TYPE_STOCK_COUNTED` → `StockCounted`, as in the `Invsync-Event-Type` header. */
function typeName(type: EventType): string {
  const name = EventType[type] ?? `EventType(${type})`;
  return name
    .replace(/^EVENT_TYPE_/, "")
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

function quantities(before: StockQuantities | undefined, after: StockQuantities | undefined): string {
  const pair = (name: "onHand" | "reserved" | "available", label: string) => `${label} ${before?.[name] ?? 0n}→${after?.[name] ?? 0n}`;
  return [pair("onHand", "on_hand"), pair("reserved", "reserved"), pair("available", "available")].join(" ");
}

function causeOf(cause: EventCause | undefined): string {
  switch (cause?.kind.case) {
    case "wmsUpdate": {
      const wms = cause.kind.value;
      const movement = wms.movementType ? `, ${wms.movementType.toLowerCase()}` : "";
      return `wms ${wms.wmsId} #${wms.sequence}, batch ${wms.batchId}${movement}`;
    }
    case "reservation":
      return `reservation ${cause.kind.value.reservationId}, order ${cause.kind.value.orderReference}`;
    case "operator":
      return `operator ${cause.kind.value.actor}, ${cause.kind.value.reason}`;
    case "reconciliation":
      return `reconciliation run ${cause.kind.value.runId}, discrepancy ${cause.kind.value.discrepancyId}`;
    default:
      return "no cause";
  }
}
