import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { InventoryEvent } from "../../inventory/domain/inventory-event.js";
import type { PendingShipment } from "../../inventory/domain/pending-shipment.js";
import { shortfallDetected, shortfallOf, type Shortfall } from "../../inventory/domain/shortfall.js";
import type { ShortfallRegister } from "../../inventory/application/count-settlement.port.js";
import { stockKey, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { closed, type Reservation, type ReservationStatus } from "../domain/reservation.js";
import { releaseStock, shipStock, type StockChange } from "../domain/stock-changes.js";
import type { ReservationRepository } from "./reservation-repository.port.js";
import type { ReservationStock } from "./reservation-stock.port.js";
import type { RoutingRuleStore } from "./routing-rule-store.port.js";

/** The stores a reservation step writes to, all inside one transaction. */
export interface ReservationStores {
  readonly reservations: ReservationRepository;
  readonly stock: ReservationStock;
  readonly outbox: EventOutbox;
  readonly ids: IdGenerator;
  /** Where a shortfall a step causes is recorded (a late fulfilment of re-promised units). */
  readonly shortfalls: ShortfallRegister;
  /** The operators' routing rules; without them every reservation follows the default rule. */
  readonly rules?: Pick<RoutingRuleStore, "applicable">;
}

/** One reservation to close, and how. */
export interface Closing {
  /** The reservation as locked in the transaction. */
  readonly reservation: Reservation;
  readonly to: Exclude<ReservationStatus, "active">;
  /** The caller's shipment, for a fulfilment. */
  readonly shipmentReference?: string;
}

/**
 * Closes reservations in `tx` (whose rows the caller has locked): locks their stock records in key
 * order, applies each step with the domain rules (reserved falls; a fulfilment also lowers on_hand
 * and records a pending shipment), writes records, reservations, shipments and events together. A
 * step that makes a shortfall grow is followed by `StockShortfallDetected` and recorded.
 */
export async function closeReservations(tx: Transaction, stores: ReservationStores, closings: readonly Closing[], at: Date): Promise<Reservation[]> {
  if (closings.length === 0) return [];
  const keys = new Map<string, StockRecordKey>();
  for (const { reservation } of closings) keys.set(stockKey(reservation.sku, reservation.locationId), reservation);
  const locked = await stores.stock.lock(tx, [...keys.values()]);
  const working = new Map(locked);
  const events: InventoryEvent[] = [];
  const shipments: PendingShipment[] = [];
  const updated: Reservation[] = [];
  const shortfalls = new Map<string, Shortfall>();

  for (const { reservation, to, shipmentReference } of closings) {
    const key = stockKey(reservation.sku, reservation.locationId);
    const level = working.get(key);
    if (!level) throw new Error(`stock record ${reservation.sku}@${reservation.locationId} of reservation ${reservation.id} is missing`);
    const next = closed(reservation, to, at, shipmentReference);
    const step: StockChange & { shipment?: PendingShipment } =
      to === "fulfilled"
        ? shipStock(level, { ...reservation, shipmentReference: next.shipmentReference }, at, stores.ids)
        : releaseStock(level, reservation, to === "released" ? "ReservationReleased" : "ReservationExpired", at, stores.ids);
    working.set(key, step.level);
    events.push(step.event);
    const alarm = shortfallDetected(step.event, stores.ids, "grown");
    if (alarm) events.push(alarm);
    if (alarm) shortfalls.set(key, shortfallOf(step.level)!);
    if (step.shipment) shipments.push(step.shipment);
    updated.push(next);
  }

  await stores.stock.save(tx, [...keys.keys()].map((key) => ({ before: locked.get(key)!, after: working.get(key) as StockLevel })));
  await stores.reservations.update(tx, updated);
  await stores.stock.recordShipments(tx, shipments);
  await stores.shortfalls.record(tx, [...shortfalls.values()], [], at);
  await stores.outbox.append(tx, events);
  return updated;
}
