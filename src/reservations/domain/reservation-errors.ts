import { AlreadyExistsError, NotFoundError, PreconditionError } from "../../shared/errors.js";
import type { Reservation } from "./reservation.js";

/**
 * The reservation does not fit in what is available: FailedPrecondition naming the SKU, the
 * location (or "any"), the requested and the available quantities, in words and in the metadata.
 */
export function insufficientStock(sku: string, locationId: string | undefined, requested: number, available: number): PreconditionError {
  const where = locationId === undefined ? "at any one location" : `at location "${locationId}"`;
  return new PreconditionError(
    "RESERVATION.INSUFFICIENT_STOCK",
    `insufficient stock for SKU "${sku}" ${where}: requested ${requested}, available ${available}`,
    { sku, location_id: locationId ?? "", requested: String(requested), available: String(available) },
  );
}

/** The idempotency key already made a reservation with other parameters (payment APIs answer the same). */
export function idempotencyKeyReused(existing: Reservation): AlreadyExistsError {
  const reason = `was already used for reservation ${existing.id} with other parameters; use a new key for a new request`;
  return new AlreadyExistsError("RESERVATION.IDEMPOTENCY_KEY_REUSED", `idempotency_key ${reason}`, {
    violations: [{ field: "idempotency_key", reason }],
    metadata: { idempotency_key: existing.idempotencyKey, reservation_id: existing.id },
  });
}

/** No reservation has this id. */
export function reservationNotFound(id: string): NotFoundError {
  return new NotFoundError("RESERVATION.NOT_FOUND", `no reservation with id ${id}`);
}

/** The reservation's state does not allow the operation; `code` says which state. */
export function reservationNotAllowed(reservation: Reservation, code: string, message: string): PreconditionError {
  return new PreconditionError(code, message, {
    reservation_id: reservation.id,
    status: reservation.status,
    expires_at: reservation.expiresAt.toISOString(),
  });
}
