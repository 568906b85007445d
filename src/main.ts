import type { Knex } from "knex";
import { InventoryService } from "../gen/invsync/inventory/v1/inventory_service_pb.js";
import { ReservationService } from "../gen/invsync/inventory/v1/reservation_service_pb.js";
import { WmsSyncService } from "../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { JetStreamEventPublisher } from "./adapters/messaging/jetstream-event-publisher.js";
import { startGateway } from "./adapters/http/gateway-server.js";
import { healthRoutes, notFoundRoute } from "./adapters/http/health-routes.js";
import { restAliases } from "./adapters/http/rest-aliases.js";
import { ServiceMetrics } from "./adapters/observability/metrics.js";
import { readinessProbe } from "./adapters/observability/readiness.js";
import { ReservationMetrics } from "./adapters/observability/reservation-metrics.js";
import { openDatabase, type Database } from "./adapters/persistence/database.js";
import { KnexEventOutbox } from "./adapters/persistence/knex-event-outbox.js";
import { KnexInbox } from "./adapters/persistence/knex-inbox.js";
import { KnexPendingShipments } from "./adapters/persistence/knex-pending-shipments.js";
import { KnexReservationRepository } from "./adapters/persistence/knex-reservation-repository.js";
import { KnexReservationStock } from "./adapters/persistence/knex-reservation-stock.js";
import { KnexReservedCounterAudit } from "./adapters/persistence/knex-reserved-counter-audit.js";
import { KnexShortfallRegister } from "./adapters/persistence/knex-shortfall-register.js";
import { KnexStockRepository } from "./adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "./adapters/persistence/knex-unit-of-work.js";
import { PgAdvisoryRelayLease } from "./adapters/persistence/pg-advisory-relay-lease.js";
import { startGrpcServer } from "./adapters/rpc/grpc-server.js";
import { inventoryService } from "./adapters/rpc/inventory-service.js";
import { registerService, type RegisteredService } from "./adapters/rpc/registered-service.js";
import { reservationService } from "./adapters/rpc/reservation-service.js";
import { guardService } from "./adapters/rpc/service-guard.js";
import { wmsSyncService } from "./adapters/rpc/wms-sync-service.js";
import type { Config } from "./config/config.js";
import { StockCountApplier } from "./inventory/application/stock-count-applier.js";
import { StockQueries } from "./inventory/application/stock-queries.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";
import type { EventOutbox } from "./outbox/event-outbox.port.js";
import { ReservationLifecycle } from "./reservations/application/reservation-lifecycle.js";
import { ReservationQueries } from "./reservations/application/reservation-queries.js";
import { ReservationSweeper } from "./reservations/application/reservation-sweeper.js";
import { ReservedCounterCheck } from "./reservations/application/reserved-counter-check.js";
import { StockReserver } from "./reservations/application/reserve-stock.js";
import { soleProcessLease } from "./outbox/relay-lease.port.js";
import { systemClock } from "./shared/clock.js";
import { uuidV7Ids } from "./shared/ids.js";
import type { Logger } from "./shared/logger.js";
import { PeriodicTask } from "./shared/periodic-task.js";
import { WmsBatchIngestion } from "./wms-ingestion/application/wms-batch-ingestion.js";
import { StockMovementApplier } from "./inventory/application/stock-movement-applier.js";
import { composeWmsIngress } from "./wms-ingress-composition.js";

/** A started service. */
export interface RunningService {
  readonly gatewayPort: number;
  readonly grpcPort: number;
  /** Drains requests and the relay, then closes every connection. */
  stop(): Promise<void>;
}

/** Opens the configured database and brings its schema up to date (`invsync migrate`). */
export async function migrateDatabase(config: Config, logger: Logger): Promise<void> {
  const database = await openConfiguredDatabase(config, logger);
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
}

/**
 * The composition root: the only place that wires concrete adapters to the use cases, then starts
 * the gateway, the gRPC server and the outbox relay.
 */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const database = await openConfiguredDatabase(config, logger);
  await database.migrate();
  const knex = database.knex;
  const metrics = new ServiceMetrics();
  const bus = new JetStreamEventPublisher(
    {
      url: config.natsUrl,
      stream: config.natsStream,
      subjectPrefix: config.natsSubjectPrefix,
      duplicateWindowMs: config.natsDuplicateWindowMs,
      maxAgeMs: config.eventRetentionMs,
      publishTimeoutMs: config.publishTimeoutMs,
    },
    logger,
  );

  const outbox = new KnexEventOutbox(knex, () => relay.wake());
  const stock = new KnexStockRepository(knex);
  const settlement = { shipments: new KnexPendingShipments(), shortfalls: new KnexShortfallRegister(), settleMs: config.shipmentSettleMs };
  const applier = new StockCountApplier(stock, outbox, systemClock, uuidV7Ids, settlement);
  const reservations = wireReservations(knex, outbox, settlement, config, metrics, logger);
  const ingestion = new WmsBatchIngestion(
    new KnexUnitOfWork(knex),
    new KnexInbox(),
    applier,
    new StockMovementApplier(stock, outbox, systemClock, uuidV7Ids, settlement.shortfalls),
    systemClock,
    { maxBatchUpdates: config.maxBatchUpdates },
    logger,
    { batchApplied: (version, result) => metrics.batchApplied(version, result) },
  );
  const relay = new OutboxRelay(
    outbox,
    bus,
    config.databaseUrl ? new PgAdvisoryRelayLease(config.databaseUrl, logger) : soleProcessLease,
    systemClock,
    logger,
    { batchSize: config.relayBatchSize, idleDelayMs: config.relayIdleMs, maxBackoffMs: 5_000 },
    { published: (events, at) => metrics.eventsPublished(events, at), failed: () => metrics.relayFailed() },
  );

  const ingress = composeWmsIngress(config, knex, ingestion, metrics, systemClock, logger);
  const services = [
    registerService(
      WmsSyncService,
      guardService(WmsSyncService, wmsSyncService(ingress.ingestor, { clock: systemClock, maxFutureSkewMs: config.maxFutureSkewMs }), logger),
    ),
    ...ingress.services,
    registerService(InventoryService, guardService(InventoryService, inventoryService(new StockQueries(stock)), logger)),
    reservations.service,
  ];

  let draining = false;
  const probe = readinessProbe({
    database,
    outbox,
    bus: () => bus.status(),
    relayFailure: () => relay.lastFailure,
    draining: () => draining,
    metrics,
  });
  const gateway = await startGateway(
    services,
    [healthRoutes(probe, metrics), restAliases(services, config.maxRequestBytes), notFoundRoute],
    { host: config.host, port: config.gatewayPort, maxBodyBytes: config.maxRequestBytes },
    logger,
    [ingress.gate],
  );
  const grpc = await startGrpcServer(services, { host: config.host, port: config.grpcPort, maxMessageBytes: config.maxRequestBytes });
  relay.start();
  reservations.tasks.forEach((task) => task.start());
  ingress.start();
  const healthTimer = setInterval(() => void probe().then((report) => grpc.setServing(report.ready)), 5_000);
  healthTimer.unref();
  logger.info({ gatewayPort: gateway.port, grpcPort: grpc.port, database: database.engine }, "inventory-sync started");

  return {
    gatewayPort: gateway.port,
    grpcPort: grpc.port,
    async stop() {
      draining = true;
      clearInterval(healthTimer);
      grpc.setServing(false);
      await Promise.all([gateway.close(config.shutdownGraceMs), grpc.close(config.shutdownGraceMs), ingress.stop()]);
      await Promise.all(reservations.tasks.map((task) => task.stop()));
      await relay.stop(config.shutdownGraceMs);
      await bus.close();
      await database.close();
      logger.info({}, "inventory-sync stopped");
    },
  };
}

function openConfiguredDatabase(config: Config, logger: Logger): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax }, logger);
}

/**
 * Reservations: the use cases on their adapters, the ReservationService, and two background tasks:
 * the expiry sweeper and the periodic drift check (which keeps `invsync_reserved_drift_skus` current).
 */
function wireReservations(
  knex: Knex,
  outbox: EventOutbox,
  { shipments, shortfalls }: { shipments: KnexPendingShipments; shortfalls: KnexShortfallRegister },
  config: Config,
  metrics: ServiceMetrics,
  logger: Logger,
): { service: RegisteredService; tasks: PeriodicTask[] } {
  const observer = new ReservationMetrics(metrics.registry);
  const unitOfWork = new KnexUnitOfWork(knex);
  const repository = new KnexReservationRepository(knex);
  const stores = { reservations: repository, stock: new KnexReservationStock(shipments), outbox, ids: uuidV7Ids, shortfalls };
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
    service: registerService(ReservationService, guardService(ReservationService, reservationService(useCases), logger)),
    tasks: [
      new PeriodicTask("reservation sweeper", config.reservationSweepIntervalMs, () => sweeper.sweep(), logger),
      new PeriodicTask("reserved drift check", config.reservedDriftCheckIntervalMs, () => reportDrift(counters, logger), logger),
    ],
  };
}

async function reportDrift(counters: ReservedCounterCheck, logger: Logger): Promise<void> {
  const report = await counters.verify();
  if (report.driftedRecords > 0) {
    logger.error({ driftedRecords: report.driftedRecords, driftedSkus: report.driftedSkus, drifts: report.drifts.slice(0, 10) }, "reserved counters drifted from their reservations");
  }
}
