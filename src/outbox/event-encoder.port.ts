import type { InventoryEvent } from "../inventory/domain/inventory-event.js";

/** Port: encodes a domain event for the bus; applied once, when the event is appended to the outbox. */
export type EventEncoder = (event: InventoryEvent) => Uint8Array;
