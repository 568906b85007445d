import type { Database } from "../../src/adapters/persistence/database.js";
import { encodeEvent } from "../../src/adapters/messaging/event-codec.js";
import { KnexEventOutbox } from "../../src/adapters/persistence/knex-event-outbox.js";
import { KnexPendingShipments } from "../../src/adapters/persistence/knex-pending-shipments.js";
import { KnexReservationRepository } from "../../src/adapters/persistence/knex-reservation-repository.js";
import { KnexReservationStock } from "../../src/adapters/persistence/knex-reservation-stock.js";
import { KnexReservedCounterAudit } from "../../src/adapters/persistence/knex-reserved-counter-audit.js";
import { KnexShortfallRegister } from "../../src/adapters/persistence/knex-shortfall-register.js";
import { KnexStockRepository } from "../../src/adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "../../src/adapters/persistence/knex-unit-of-work.js";
import { StockCountApplier } from "../../src/inventory/application/stock-count-applier.js";
import { StockQueries } from "../../src/inventory/application/stock-queries.js";
import { DEFAULT_LOCATION, asLocationId } from "../../src/inventory/domain/location-id.js";
import { asSku } from "../../src/inventory/domain/sku.js";
import type { StockCount } from "../../src/inventory/domain/stock-count.js";
import { ReservationLifecycle } from "../../src/reservations/application/reservation-lifecycle.js";
import { ReservationQueries } from "../../src/reservations/application/reservation-queries.js";
import { ReservationSweeper } from "../../src/reservations/application/reservation-sweeper.js";
import { ReservedCounterCheck } from "../../src/reservations/application/reserved-counter-check.js";
import { StockReserver } from "../../src/reservations/application/reserve-stock.js";
import type { ReserveStockInput } from "../../src/reservations/domain/reserve-request.js";
import type { Clock } from "../../src/shared/clock.js";
import { uuidV7Ids } from "../../src/shared/ids.js";

/** Options of {@link reservationStack}. */
export interface StackOptions {
  readonly clock: Clock;
  readonly settleMs?: number;
  readonly sweepBatchSize?: number;
}

/** The reservation use cases and the WMS count path wired to real persistence, as `main.ts` wires them. */
export function reservationStack(database: Database, options: StackOptions) {
  const { clock } = options;
  const knex = database.knex;
  const unitOfWork = new KnexUnitOfWork(knex);
  const outbox = new KnexEventOutbox(knex, encodeEvent);
  const shipments = new KnexPendingShipments();
  const shortfalls = new KnexShortfallRegister();
  const stores = { reservations: new KnexReservationRepository(knex), stock: new KnexReservationStock(shipments), outbox, ids: uuidV7Ids, shortfalls };
  const limits = { defaultTtlMs: 15 * 60_000, maxTtlMs: 7 * 86_400_000 };
  const stockRepository = new KnexStockRepository(knex);
  const applier = new StockCountApplier(stockRepository, outbox, clock, uuidV7Ids, {
    shipments,
    shortfalls,
    settleMs: options.settleMs ?? 0,
  });
  let sequence = 0;
  return {
    knex,
    outbox,
    reserver: new StockReserver(unitOfWork, stores, clock, limits),
    lifecycle: new ReservationLifecycle(unitOfWork, stores, clock, limits),
    sweeper: new ReservationSweeper(unitOfWork, stores, clock, options.sweepBatchSize ?? 500),
    queries: new ReservationQueries(stores.reservations),
    stock: new StockQueries(stockRepository),
    drift: new ReservedCounterCheck(new KnexReservedCounterAudit(knex)),
    /** Applies one WMS count of `quantity`, observed at `observedAt`, as the ingestion path does. */
    count(sku: string, quantity: number, observedAt: Date, location = DEFAULT_LOCATION as string) {
      const count: StockCount = {
        sku: asSku(sku),
        locationId: asLocationId(location),
        quantity,
        observedAt,
        reason: "counted",
        origin: { wmsId: "wms-test", sequence: BigInt(++sequence), batchId: `b-${sequence}`, schemaVersion: "wms.v1" },
      };
      return unitOfWork.run((tx) => applier.apply(tx, [count]));
    },
    /** A ReserveStock request with defaults for what a test does not care about. */
    request(sku: string, quantity: number, overrides: Partial<ReserveStockInput> = {}): ReserveStockInput {
      return { sku, locationId: "", quantity, orderReference: `order-${sku}`, idempotencyKey: uuidV7Ids.next(), ttlMs: undefined, ...overrides };
    },
  };
}

/** A stack as {@link reservationStack} returns it. */
export type ReservationStack = ReturnType<typeof reservationStack>;

/** One stock record's quantities, straight from the database. */
export async function stockRecord(database: Database, sku: string, location = "default") {
  const { rows } = await database.knex.raw(
    `SELECT on_hand::int AS "onHand", reserved::int AS reserved, available::int AS available FROM inventory WHERE sku = ? AND location_id = ?`,
    [sku, location],
  );
  return rows[0] as { onHand: number; reserved: number; available: number } | undefined;
}

/** The outbox events of `sku`, in commit order, as [type, version, delta, on_hand, reserved, available]. */
export async function eventTrail(database: Database, sku: string) {
  const { rows } = await database.knex.raw(
    `SELECT type, version::int AS version, delta::int AS delta, after_on_hand::int AS on_hand, after_reserved::int AS reserved
     FROM inventory_events WHERE sku = ? ORDER BY seq`,
    [sku],
  );
  return (rows as Array<{ type: string; version: number; delta: number; on_hand: number; reserved: number }>).map((r) => [
    r.type,
    r.version,
    r.delta,
    r.on_hand,
    r.reserved,
    Math.max(0, r.on_hand - r.reserved),
  ]);
}
