import { InventoryService } from "../gen/invsync/inventory/v1/inventory_service_pb.js";
import { WmsSyncService } from "../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { encodeEvent } from "./adapters/messaging/event-codec.js";
import { JetStreamEventPublisher } from "./adapters/messaging/jetstream-event-publisher.js";
import { startGateway } from "./adapters/http/gateway-server.js";
import { healthRoutes, notFoundRoute } from "./adapters/http/health-routes.js";
import { restAliases } from "./adapters/http/rest-aliases.js";
import { ServiceMetrics } from "./adapters/observability/metrics.js";
import { readinessProbe } from "./adapters/observability/readiness.js";
import { openDatabase, type Database } from "./adapters/persistence/database.js";
import { KnexEventOutbox } from "./adapters/persistence/knex-event-outbox.js";
import { KnexInbox } from "./adapters/persistence/knex-inbox.js";
import { KnexStockRepository } from "./adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "./adapters/persistence/knex-unit-of-work.js";
import { PgAdvisoryRelayLease } from "./adapters/persistence/pg-advisory-relay-lease.js";
import { startGrpcServer } from "./adapters/rpc/grpc-server.js";
import { inventoryService } from "./adapters/rpc/inventory-service.js";
import { registerService } from "./adapters/rpc/registered-service.js";
import { guardService } from "./adapters/rpc/service-guard.js";
import { wmsSyncService } from "./adapters/rpc/wms-sync-service.js";
import type { Config } from "./config/config.js";
import { StockCountApplier } from "./inventory/application/stock-count-applier.js";
import { StockQueries } from "./inventory/application/stock-queries.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";
import { soleProcessLease } from "./outbox/relay-lease.port.js";
import { systemClock } from "./shared/clock.js";
import { uuidV7Ids } from "./shared/ids.js";
import type { Logger } from "./shared/logger.js";
import { WmsBatchIngestion } from "./wms-ingestion/application/wms-batch-ingestion.js";

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

  const outbox = new KnexEventOutbox(knex, encodeEvent, () => relay.wake());
  const stock = new KnexStockRepository(knex);
  const applier = new StockCountApplier(stock, outbox, systemClock, uuidV7Ids);
  const ingestion = new WmsBatchIngestion(
    new KnexUnitOfWork(knex),
    new KnexInbox(),
    applier,
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

  const services = [
    registerService(
      WmsSyncService,
      guardService(WmsSyncService, wmsSyncService(ingestion, { clock: systemClock, maxFutureSkewMs: config.maxFutureSkewMs }), logger),
    ),
    registerService(InventoryService, guardService(InventoryService, inventoryService(new StockQueries(stock)), logger)),
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
  );
  const grpc = await startGrpcServer(services, { host: config.host, port: config.grpcPort, maxMessageBytes: config.maxRequestBytes });
  relay.start();
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
      await Promise.all([gateway.close(config.shutdownGraceMs), grpc.close(config.shutdownGraceMs)]);
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
