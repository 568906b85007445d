import type { LocationId } from "../../inventory/domain/location-id.js";
import type { Sku } from "../../inventory/domain/sku.js";

/** Where a reservation is in its life: only `active` ones hold stock (and count in `reserved`). */
export type ReservationStatus = "active" | "released" | "expired" | "fulfilled";

/** Every status, in life-cycle order. */
export const RESERVATION_STATUSES: readonly ReservationStatus[] = ["active", "released", "expired", "fulfilled"];

/**
 * Stock of one SKU at one location held for one order. The stock record's `reserved` counter is
 * always the sum of the quantities of its active reservations; both change in one transaction.
 */
export interface Reservation {
  /** A UUID. */
  readonly id: string;
  readonly sku: Sku;
  /** Where the stock is held. */
  readonly locationId: LocationId;
  /** The location the request named; undefined when it let the service choose. */
  readonly requestedLocationId: LocationId | undefined;
  /** Units held; at least 1. */
  readonly quantity: number;
  /** The caller's order. */
  readonly orderReference: string;
  /** The key the reservation was created with; unique. */
  readonly idempotencyKey: string;
  /** The request's parameters in canonical form: a retry with the same key must match it. */
  readonly fingerprint: string;
  readonly status: ReservationStatus;
  /** When an active reservation expires. */
  readonly expiresAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When it stopped holding stock; undefined while active. */
  readonly closedAt: Date | undefined;
  /** The caller's shipment, on fulfilment; empty otherwise. */
  readonly shipmentReference: string;
  /** The sales channel and region the request named (empty: none); routing rules are chosen by them. */
  readonly channel?: string;
  readonly region?: string;
  /** The routing rule (and its version) that chose the location; undefined when no rule applied. */
  readonly routing?: { readonly ruleId: string; readonly ruleVersion: number };
  /**
   * When one request was split across locations: the id of its first part, the same on every part
   * (each part is a reservation of its own at one location). Undefined when not split.
   */
  readonly splitGroupId?: string;
}

/** True when `reservation` is active but its expiry has passed (the sweeper has not reached it yet). */
export function isOverdue(reservation: Reservation, now: Date): boolean {
  return reservation.status === "active" && reservation.expiresAt.getTime() <= now.getTime();
}

/** `reservation` moved to `status` at `at` (it stops holding stock). */
export function closed(reservation: Reservation, status: Exclude<ReservationStatus, "active">, at: Date, shipmentReference = ""): Reservation {
  return {
    ...reservation,
    status,
    updatedAt: at,
    closedAt: reservation.closedAt ?? at,
    shipmentReference: shipmentReference || reservation.shipmentReference,
  };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why `value` is not a reservation id, or undefined when it is one. */
export function reservationIdProblem(value: string): string | undefined {
  if (value === "") return "is required";
  return UUID_PATTERN.test(value) ? undefined : "must be a reservation id (a UUID) returned by ReserveStock";
}
