import type { Knex } from "knex";
import { ReservationService } from "../../gen/invsync/inventory/v1/reservation_service_pb.js";
import { RoutingRuleService } from "../../gen/invsync/inventory/v1/routing_rule_service_pb.js";
import { KnexRoutingRules } from "../adapters/persistence/knex-routing-rules.js";
import { routingRuleService } from "../adapters/rpc/routing-rule-service.js";
import type { AuditTrail } from "../reconciliation/application/audit-trail.js";
import { RoutingRuleAdmin } from "../reservations/application/routing-rule-admin.js";
import type { ServiceMetrics } from "../adapters/observability/metrics.js";
import { ReservationMetrics } from "../adapters/observability/reservation-metrics.js";
import type { KnexPendingShipments } from "../adapters/persistence/knex-pending-shipments.js";
import { KnexReservationRepository } from "../adapters/persistence/knex-reservation-repository.js";
import { KnexReservationStock } from "../adapters/persistence/knex-reservation-stock.js";
import { KnexReservedCounterAudit } from "../adapters/persistence/knex-reserved-counter-audit.js";
import type { KnexShortfallRegister } from "../adapters/persistence/knex-shortfall-register.js";
import { KnexUnitOfWork } from "../adapters/persistence/knex-unit-of-work.js";
import { registerService, type RegisteredService } from "../adapters/rpc/registered-service.js";
import { reservationService } from "../adapters/rpc/reservation-service.js";
import type { AccessGate } from "../adapters/rpc/operator-access.js";
import { guardService } from "../adapters/rpc/service-guard.js";
import type { Config } from "../config/config.js";
import type { EventOutbox } from "../outbox/event-outbox.port.js";
import { ReservationLifecycle } from "../reservations/application/reservation-lifecycle.js";
import { ReservationQueries } from "../reservations/application/reservation-queries.js";
import { ReservationSweeper } from "../reservations/application/reservation-sweeper.js";
import { ReservedCounterCheck } from "../reservations/application/reserved-counter-check.js";
import { StockReserver } from "../reservations/application/reserve-stock.js";
import { systemClock } from "../shared/clock.js";
import { uuidV7Ids } from "../shared/ids.js";
import type { Logger } from "../shared/logger.js";
import { PeriodicTask } from "../shared/periodic-task.js";

/** Reservations, wired: the ReservationService and its background tasks. */
export interface ReservationsPart {
  readonly service: RegisteredService;
  /** The operators' routing rules (RoutingRuleService). */
  readonly rules: RegisteredService;
  /** The expiry sweeper and the periodic drift check (which keeps `invsync_reserved_drift_skus` current). */
  readonly tasks: readonly PeriodicTask[];
}

/** Wires the reservation use cases on their adapters (part of the composition root). */
export function composeReservations(
  knex: Knex,
  outbox: EventOutbox,
  { shipments, shortfalls }: { shipments: KnexPendingShipments; shortfalls: KnexShortfallRegister },
  config: Config,
  metrics: ServiceMetrics,
  logger: Logger,
  access: AccessGate,
  audit: AuditTrail,
): ReservationsPart {
  const observer = new ReservationMetrics(metrics.registry);
  const unitOfWork = new KnexUnitOfWork(knex);
  const repository = new KnexReservationRepository(knex);
  const rules = new KnexRoutingRules(knex);
  const stores = { reservations: repository, stock: new KnexReservationStock(shipments), outbox, ids: uuidV7Ids, shortfalls, rules };
  const limits = { defaultTtlMs: config.reservationDefaultTtlMs, maxTtlMs: config.reservationMaxTtlMs };
  const sweeper = new ReservationSweeper(unitOfWork, stores, systemClock, config.reservationSweepBatchSize, observer);
  const counters = new ReservedCounterCheck(new KnexReservedCounterAudit(knex), observer);
  const useCases = {
    reserver: new StockReserver(unitOfWork, stores, systemClock, limits, observer),
    lifecycle: new ReservationLifecycle(unitOfWork, stores, systemClock, limits, observer),
    queries: new ReservationQueries(repository),
    counters,
  };
  return {
    service: registerService(ReservationService, guardService(ReservationService, reservationService(useCases), logger, access)),
    rules: registerService(
      RoutingRuleService,
      guardService(RoutingRuleService, routingRuleService(new RoutingRuleAdmin(rules, systemClock), audit, systemClock), logger, access),
    ),
    tasks: [
      new PeriodicTask("reservation sweeper", config.reservationSweepIntervalMs, () => sweeper.sweep(), logger),
      new PeriodicTask("reserved drift check", config.reservedDriftCheckIntervalMs, () => reportDrift(counters, logger), logger),
    ],
  };
}

async function reportDrift(counters: ReservedCounterCheck, logger: Logger): Promise<void> {
  const report = await counters.verify();
  if (report.driftedRecords > 0) {
    logger.error(
      { driftedRecords: report.driftedRecords, driftedSkus: report.driftedSkus, drifts: report.drifts.slice(0, 10) },
      "reserved counters drifted from their reservations",
    );
  }
}
