import type { Clock } from "../../shared/clock.js";
import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import type { UnitOfWork } from "../../shared/unit-of-work.js";
import { isOverdue, reservationIdProblem, type Reservation } from "../domain/reservation.js";
import { reservationNotAllowed, reservationNotFound } from "../domain/reservation-errors.js";
import { referenceProblem, ttlProblem, type TtlLimits } from "../domain/reserve-request.js";
import { closeReservations, type ReservationStores } from "./close-reservations.js";
import type { ReservationObserver } from "./reservation-observer.port.js";

/**
 * Use cases on an existing reservation: release, fulfil, extend. Each runs in one transaction that
 * locks the reservation row first, then its stock record, so concurrent calls on one reservation
 * apply once (a second release finds it released; reserved never falls twice).
 */
export class ReservationLifecycle {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stores: ReservationStores,
    private readonly clock: Clock,
    private readonly limits: TtlLimits,
    private readonly observer: ReservationObserver = {},
  ) {}

  /**
   * Gives an active reservation's stock back. Releasing a released or expired reservation returns
   * it unchanged; a fulfilled one cannot be released (`RESERVATION.ALREADY_FULFILLED`).
   */
  async release(reservationId: string): Promise<Reservation> {
    assertValid([idViolation(reservationId)]);
    return this.unitOfWork.run(async (tx) => {
      const reservation = await this.stores.reservations.lockById(tx, reservationId);
      if (!reservation) throw reservationNotFound(reservationId);
      if (reservation.status === "released" || reservation.status === "expired") return reservation;
      if (reservation.status === "fulfilled") {
        throw reservationNotAllowed(reservation, "RESERVATION.ALREADY_FULFILLED", `reservation ${reservationId} was fulfilled: its order shipped and it cannot be released`);
      }
      const [released] = await closeReservations(tx, this.stores, [{ reservation, to: "released" }], this.clock.now());
      this.observer.closed?.("released", 1);
      return released!;
    });
  }

  /**
   * Records that the reservation's order shipped (a fact, so it is accepted for an active reservation
   * and, late, for an expired one: the units left either way). Fulfilling again returns it unchanged;
   * a released reservation cannot be fulfilled (`RESERVATION.RELEASED`).
   */
  async fulfil(reservationId: string, shipmentReference: string): Promise<Reservation> {
    assertValid([
      idViolation(reservationId),
      shipmentReference === "" ? undefined : violation("shipment_reference", referenceProblem(shipmentReference, 128)),
    ]);
    return this.unitOfWork.run(async (tx) => {
      const reservation = await this.stores.reservations.lockById(tx, reservationId);
      if (!reservation) throw reservationNotFound(reservationId);
      if (reservation.status === "fulfilled") return reservation;
      if (reservation.status === "released") {
        throw reservationNotAllowed(reservation, "RESERVATION.RELEASED", `reservation ${reservationId} was released; a released reservation cannot be fulfilled`);
      }
      const [fulfilled] = await closeReservations(tx, this.stores, [{ reservation, to: "fulfilled", shipmentReference }], this.clock.now());
      this.observer.closed?.("fulfilled", 1);
      return fulfilled!;
    });
  }

  /**
   * Moves an active reservation's expiry to now + `ttlMs`, never earlier than it was. A reservation
   * past its expiry (even one the sweeper has not reached yet) cannot be extended.
   */
  async extend(reservationId: string, ttlMs: number | undefined): Promise<Reservation> {
    const ttlIssue = ttlMs === undefined ? "is required" : ttlProblem(ttlMs, this.limits.maxTtlMs);
    assertValid([idViolation(reservationId), violation("ttl", ttlIssue)]);
    return this.unitOfWork.run(async (tx) => {
      const reservation = await this.stores.reservations.lockById(tx, reservationId);
      if (!reservation) throw reservationNotFound(reservationId);
      const now = this.clock.now();
      if (reservation.status !== "active") {
        throw reservationNotAllowed(reservation, "RESERVATION.NOT_ACTIVE", `reservation ${reservationId} is ${reservation.status}; only an active reservation can be extended`);
      }
      if (isOverdue(reservation, now)) {
        throw reservationNotAllowed(reservation, "RESERVATION.EXPIRED", `reservation ${reservationId} expired at ${reservation.expiresAt.toISOString()}; reserve again`);
      }
      const expiresAt = new Date(Math.max(reservation.expiresAt.getTime(), now.getTime() + ttlMs!));
      if (expiresAt.getTime() === reservation.expiresAt.getTime()) return reservation;
      const extended: Reservation = { ...reservation, expiresAt, updatedAt: now };
      await this.stores.reservations.update(tx, [extended]);
      return extended;
    });
  }
}

function idViolation(reservationId: string): FieldViolation | undefined {
  return violation("reservation_id", reservationIdProblem(reservationId));
}

function violation(field: string, reason: string | undefined): FieldViolation | undefined {
  return reason === undefined ? undefined : { field, reason };
}

function assertValid(violations: ReadonlyArray<FieldViolation | undefined>): void {
  const found = violations.filter((v): v is FieldViolation => v !== undefined);
  if (found.length > 0) throw new ValidationError("RESERVATION.INVALID_REQUEST", found);
}
