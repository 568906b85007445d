import { randomUUID } from "node:crypto";
import type { InventoryEvent } from "../../src/inventory/domain/inventory-event.js";

/** A counted event of `sku` at `version` from WMS update `sequence`, as ingestion appends it. */
export function countedEvent(sku: string, version: number, sequence: number, wmsId = "wms-test"): InventoryEvent {
  const now = new Date();
  return {
    eventId: randomUUID(),
    type: "StockCounted",
    sku: sku as InventoryEvent["sku"],
    locationId: "default" as InventoryEvent["locationId"],
    delta: 1,
    source: "wms",
    occurredAt: now,
    before: { onHand: version - 1, reserved: 0, available: version - 1 },
    after: { onHand: version, reserved: 0, available: version },
    version,
    cause: { kind: "wms_update", wmsId, sequence: BigInt(sequence), batchId: "b", schemaVersion: "wms.v1", observedAt: now, reason: "counted" },
  };
}
