import type { Clock } from "../../shared/clock.js";
import { isInventorySyncError } from "../../shared/errors.js";
import type { Transaction, UnitOfWork } from "../../shared/unit-of-work.js";
import { chooseLocation } from "../domain/choose-location.js";
import type { Reservation } from "../domain/reservation.js";
import { idempotencyKeyReused } from "../domain/reservation-errors.js";
import { parseReserveStock, type ReserveStock, type ReserveStockInput, type TtlLimits } from "../domain/reserve-request.js";
import { holdStock } from "../domain/stock-changes.js";
import type { ReservationStores } from "./close-reservations.js";
import type { ReservationObserver } from "./reservation-observer.port.js";

/** What ReserveStock answers. */
export interface ReserveResult {
  readonly reservation: Reservation;
  /** True when the idempotency key had already made this reservation: nothing new was reserved. */
  readonly replayed: boolean;
}

const KEY_TAKEN = Symbol("idempotency key taken");

/**
 * Use case: reserve stock for an order. In one transaction: lock the SKU's stock records (or the
 * named one), choose where the quantity fits (domain rule, never split), insert the reservation and
 * raise `reserved` by its quantity, append `StockReserved`. Concurrent requests for one SKU queue on
 * the row locks, so each sees what the previous ones reserved: none can oversell.
 *
 * Idempotency: a known key with the same parameters returns the reservation it made, in its current
 * state (also after release or expiry); with other parameters it is `RESERVATION.IDEMPOTENCY_KEY_REUSED`.
 * Refusals are not remembered: a retry after insufficient stock tries again.
 */
export class StockReserver {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stores: ReservationStores,
    private readonly clock: Clock,
    private readonly limits: TtlLimits,
    private readonly observer: ReservationObserver = {},
  ) {}

  /** Reserves, or replays the reservation an earlier request with the same idempotency key made. */
  async reserve(input: ReserveStockInput): Promise<ReserveResult> {
    const command = parseReserveStock(input, this.limits);
    const earlier = await this.stores.reservations.findByIdempotencyKey(command.idempotencyKey);
    if (earlier) return this.replay(earlier, command);
    let made: Reservation | typeof KEY_TAKEN;
    try {
      made = await this.unitOfWork.run((tx) => this.reserveIn(tx, command));
    } catch (error) {
      if (isInventorySyncError(error) && error.code === "RESERVATION.INSUFFICIENT_STOCK") this.observer.reserveAnswered?.("insufficient_stock");
      throw error;
    }
    if (made === KEY_TAKEN) {
      const winner = await this.stores.reservations.findByIdempotencyKey(command.idempotencyKey);
      if (!winner) throw new Error(`idempotency key ${command.idempotencyKey} was taken but its reservation cannot be read`);
      return this.replay(winner, command);
    }
    this.observer.reserveAnswered?.("reserved");
    return { reservation: made, replayed: false };
  }

  private async reserveIn(tx: Transaction, command: ReserveStock): Promise<Reservation | typeof KEY_TAKEN> {
    const now = this.clock.now();
    const levels = await this.stores.stock.lockSku(tx, command.sku, command.locationId);
    const level = chooseLocation(command.sku, levels, command.quantity, command.locationId);
    const reservation: Reservation = {
      id: this.stores.ids.next(),
      sku: command.sku,
      locationId: level.locationId,
      requestedLocationId: command.locationId,
      quantity: command.quantity,
      orderReference: command.orderReference,
      idempotencyKey: command.idempotencyKey,
      fingerprint: command.fingerprint,
      status: "active",
      expiresAt: new Date(now.getTime() + command.ttlMs),
      createdAt: now,
      updatedAt: now,
      closedAt: undefined,
      shipmentReference: "",
    };
    // A concurrent request with the same key committed first: nothing has been written yet.
    if (!(await this.stores.reservations.insert(tx, reservation))) return KEY_TAKEN;
    const step = holdStock(level, reservation, now, this.stores.ids);
    await this.stores.stock.save(tx, [{ before: level, after: step.level }]);
    await this.stores.outbox.append(tx, [step.event]);
    return reservation;
  }

  private replay(earlier: Reservation, command: ReserveStock): ReserveResult {
    if (earlier.fingerprint !== command.fingerprint) throw idempotencyKeyReused(earlier);
    this.observer.reserveAnswered?.("replayed");
    return { reservation: earlier, replayed: true };
  }
}
