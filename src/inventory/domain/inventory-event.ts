import type { EventRoute } from "../../migration/domain/ingestion-path.js";
import type { LocationId } from "./location-id.js";
import type { NonSellableChange, StockStatus } from "./non-sellable.js";
import type { MovementKind } from "./stock-movement.js";
import type { Sku } from "./sku.js";
import type { CountReason, WmsOrigin } from "./stock-count.js";
import type { StockQuantities } from "./stock-level.js";

/** The kinds of inventory event, named in the past tense. */
export type InventoryEventType =
  | "StockCounted"
  | "StockMoved"
  | "StockReserved"
  | "ReservationReleased"
  | "ReservationExpired"
  | "ReservationFulfilled"
  | "StockShortfallDetected"
  | "StockOverridden"
  | "DiscrepancyAutoResolved";

/** The part of the system that caused a change. */
export type EventSource = "wms" | "reservation" | "operator" | "reconciliation";

/** The change was caused by a WMS update. */
export interface WmsUpdateCause extends WmsOrigin {
  readonly kind: "wms_update";
  /** When the WMS observed the count. */
  readonly observedAt: Date;
  /** What produced the count (for a movement: "adjusted"; see `movement`). */
  readonly reason: CountReason;
  /** Set when a WMS movement, not a count, caused the change. */
  readonly movement?: { readonly kind: MovementKind; readonly status: StockStatus; readonly reference: string };
}

/** The change was caused by a reservation, its release, expiry or fulfilment. */
export interface ReservationCause {
  readonly kind: "reservation";
  readonly reservationId: string;
  readonly orderReference: string;
  readonly quantity: number;
  readonly expiresAt: Date;
  /** The caller's shipment, on fulfilment; empty otherwise. */
  readonly shipmentReference: string;
}

/** The change was an operator's override, or an operator's decision on a discrepancy. */
export interface OperatorCause {
  readonly kind: "operator";
  /** The operator's name (the bearer token's name). */
  readonly actor: string;
  /** The reason code, for example `PHYSICAL_COUNT`. */
  readonly reason: string;
  readonly note: string;
  /** The x-request-id of the call. */
  readonly requestId: string;
  /** The on_hand the operator saw before deciding. */
  readonly expectedOnHand: number;
  /** The discrepancy decided on; 0 for a plain override. */
  readonly discrepancyId: number;
}

/** The change was a reconciliation run applying a WMS snapshot count within tolerance. */
export interface ReconciliationCause {
  readonly kind: "reconciliation";
  readonly runId: number;
  readonly discrepancyId: number;
  /** When the WMS counted the snapshot line. */
  readonly snapshotObservedAt: Date;
  /** The snapshot's count as sent (on_hand is it net of shipments it does not include yet). */
  readonly wmsCount: number;
  /** The largest difference auto-resolved for this record, in units. */
  readonly tolerance: number;
}

/** What caused a change. */
export type EventCause = WmsUpdateCause | ReservationCause | OperatorCause | ReconciliationCause;

/**
 * A domain event: one change of one stock record. Written to the outbox in the transaction that
 * made the change, published to the bus later.
 */
export interface InventoryEvent {
  /** Unique id; also the bus message id, so consumers can dedupe. */
  readonly eventId: string;
  readonly type: InventoryEventType;
  readonly sku: Sku;
  readonly locationId: LocationId;
  /**
   * after.onHand - before.onHand for counts, overrides and auto-resolutions; after.reserved - before.reserved for reservations;
   * onHand - reserved (negative) for a detected shortfall.
   */
  readonly delta: number;
  readonly source: EventSource;
  /** When the change was made. */
  readonly occurredAt: Date;
  readonly before: StockQuantities;
  readonly after: StockQuantities;
  /** The stock record's version after the change. */
  readonly version: number;
  readonly cause: EventCause;
  /** Damaged and quality-hold units before and after, when the location holds any. */
  readonly nonSellable?: NonSellableChange;
  /** The ingestion path and flag state behind the change; undefined for changes not routed by flags. */
  readonly route?: EventRoute;
}
