import type { Sku } from "../../inventory/domain/sku.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { Reservation, ReservationStatus } from "../domain/reservation.js";

/** Which reservations a listing returns. */
export interface ReservationFilter {
  readonly orderReference: string | undefined;
  readonly sku: Sku | undefined;
  readonly status: ReservationStatus | undefined;
  /** Continue after this reservation id (ids are time-ordered UUIDv7s). */
  readonly afterId: string | undefined;
  readonly limit: number;
}

/** Port: persistence of reservations (the `reservations` table). */
export interface ReservationRepository {
  /** The reservation with `id`, read without a lock. */
  findById(id: string): Promise<Reservation | undefined>;
  /** The reservation created with `idempotencyKey`, read without a lock. */
  findByIdempotencyKey(idempotencyKey: string): Promise<Reservation | undefined>;
  /** The parts of a split reservation (their `splitGroupId`), first part first. */
  splitGroup(splitGroupId: string): Promise<Reservation[]>;
  /** Up to `filter.limit` reservations in id (creation) order. */
  list(filter: ReservationFilter): Promise<Reservation[]>;
  /** The reservation with `id`, locked for the rest of `tx`. */
  lockById(tx: Transaction, id: string): Promise<Reservation | undefined>;
  /**
   * Up to `limit` active reservations whose expiry is at or before `now`, oldest expiry first,
   * locked for the rest of `tx`; rows another transaction holds are skipped (SKIP LOCKED), so
   * several sweepers never expire the same reservation twice nor wait for each other.
   */
  lockExpired(tx: Transaction, now: Date, limit: number): Promise<Reservation[]>;
  /** Inserts `reservation`; false (and nothing inserted) when its idempotency key is already taken. */
  insert(tx: Transaction, reservation: Reservation): Promise<boolean>;
  /** Writes status, expiry, closing time, shipment reference and update time of reservations locked in `tx`. */
  update(tx: Transaction, reservations: readonly Reservation[]): Promise<void>;
}
