import type { Clock } from "../../shared/clock.js";
import { isInventorySyncError } from "../../shared/errors.js";
import type { Transaction, UnitOfWork } from "../../shared/unit-of-work.js";
import { chooseLocation } from "../domain/choose-location.js";
import { routeReservation, type Allocation } from "../domain/route-reservation.js";
import { applicableRules, type RoutingRule } from "../domain/routing-rule.js";
import type { Reservation } from "../domain/reservation.js";
import { idempotencyKeyReused } from "../domain/reservation-errors.js";
import { parseReserveStock, type ReserveStock, type ReserveStockInput, type TtlLimits } from "../domain/reserve-request.js";
import { holdStock } from "../domain/stock-changes.js";
import type { ReservationStores } from "./close-reservations.js";
import type { ReservationObserver } from "./reservation-observer.port.js";

/** What ReserveStock answers. */
export interface ReserveResult {
  /** The reservation made; when the request was split, its first part. */
  readonly reservation: Reservation;
  /** Every part, in the routing rule's order: just `reservation` unless the request was split. */
  readonly parts: readonly Reservation[];
  /** True when the idempotency key had already made this reservation: nothing new was reserved. */
  readonly replayed: boolean;
}

const KEY_TAKEN = Symbol("idempotency key taken");

/**
 * The idempotency key of part `index` (from 2) of a split reservation: the request's key and a
 * suffix with a space, which no caller's key can contain, so it never collides with one.
 */
export function partKey(idempotencyKey: string, index: number): string {
  return `${idempotencyKey} part ${index}`;
}

/**
 * Use case: reserve stock for an order. In one transaction: lock the SKU's stock records (or the
 * named one), choose where the quantity fits, insert the reservation and raise `reserved` by its
 * quantity, append `StockReserved`. Where it fits: a named location is taken as named; otherwise
 * the routing rules for the request's channel and region decide (eligible warehouses in order,
 * safety stock held back, split across up to N locations: one reservation per part), read in the
 * same transaction, and with no rule the default rule does (most available, never split). Concurrent requests for one SKU queue on
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
    let made: Reservation[] | typeof KEY_TAKEN;
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
    return { reservation: made[0]!, parts: made, replayed: false };
  }

  private async reserveIn(tx: Transaction, command: ReserveStock): Promise<Reservation[] | typeof KEY_TAKEN> {
    const now = this.clock.now();
    const levels = await this.stores.stock.lockSku(tx, command.sku, command.locationId);
    const rules = command.locationId === undefined && this.stores.rules ? applicableRules(await this.stores.rules.applicable(tx, command.channel, command.region), command.channel, command.region) : [];
    let allocations: readonly Allocation[];
    let rule: RoutingRule | undefined;
    if (rules.length === 0) {
      allocations = [{ level: chooseLocation(command.sku, levels, command.quantity, command.locationId), quantity: command.quantity }];
    } else {
      ({ rule, allocations } = routeReservation(command.sku, levels, command.quantity, rules));
    }
    const firstId = this.stores.ids.next();
    const split = allocations.length > 1;
    const parts: Reservation[] = allocations.map(({ level, quantity }, i) => ({
      id: i === 0 ? firstId : this.stores.ids.next(),
      sku: command.sku,
      locationId: level.locationId,
      requestedLocationId: command.locationId,
      quantity,
      orderReference: command.orderReference,
      idempotencyKey: i === 0 ? command.idempotencyKey : partKey(command.idempotencyKey, i + 1),
      fingerprint: command.fingerprint,
      status: "active",
      expiresAt: new Date(now.getTime() + command.ttlMs),
      createdAt: now,
      updatedAt: now,
      closedAt: undefined,
      shipmentReference: "",
      channel: command.channel,
      region: command.region,
      ...(rule ? { routing: { ruleId: rule.ruleId, ruleVersion: rule.version } } : {}),
      ...(split ? { splitGroupId: firstId } : {}),
    }));
    // A concurrent request with the same key committed first: nothing has been written yet.
    if (!(await this.stores.reservations.insert(tx, parts[0]!))) return KEY_TAKEN;
    for (const part of parts.slice(1)) {
      if (!(await this.stores.reservations.insert(tx, part))) throw new Error(`idempotency key of part ${part.idempotencyKey} is taken`);
    }
    const steps = parts.map((part, i) => holdStock(allocations[i]!.level, part, now, this.stores.ids));
    await this.stores.stock.save(tx, steps.map((step, i) => ({ before: allocations[i]!.level, after: step.level })));
    await this.stores.outbox.append(tx, steps.map((step) => step.event));
    return parts;
  }

  private async replay(earlier: Reservation, command: ReserveStock): Promise<ReserveResult> {
    if (earlier.fingerprint !== command.fingerprint) throw idempotencyKeyReused(earlier);
    const parts = earlier.splitGroupId ? await this.stores.reservations.splitGroup(earlier.splitGroupId) : [earlier];
    this.observer.reserveAnswered?.("replayed");
    return { reservation: earlier, parts, replayed: true };
  }
}
