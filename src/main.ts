import { ConsoleService } from "../gen/invsync/console/v1/console_service_pb.js";
import { InventoryService } from "../gen/invsync/inventory/v1/inventory_service_pb.js";
import { MigrationService } from "../gen/invsync/migration/v1/migration_service_pb.js";
import { WmsSyncService } from "../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { UnleashFeatureFlags, type UnleashSettings } from "./adapters/flags/unleash-feature-flags.js";
import { encodeEvent } from "./adapters/messaging/event-codec.js";
import { startGateway } from "./adapters/http/gateway-server.js";
import { consoleRoute } from "./adapters/http/console-route.js";
import { healthRoutes, notFoundRoute } from "./adapters/http/health-routes.js";
import { restAliases } from "./adapters/http/rest-aliases.js";
import { rpcRequestGate } from "./adapters/http/rpc-request-gate.js";
import { JetStreamEventPublisher } from "./adapters/messaging/jetstream-event-publisher.js";
import { IngestionMetrics } from "./adapters/observability/ingestion-metrics.js";
import { InstrumentedIngestion } from "./adapters/observability/instrumented-ingestion.js";
import { loggedOutbox } from "./adapters/observability/logged-outbox.js";
import { ServiceMetrics } from "./adapters/observability/metrics.js";
import { MigrationMetrics } from "./adapters/observability/migration-metrics.js";
import { readinessProbe } from "./adapters/observability/readiness.js";
import { startTracing } from "./adapters/observability/tracing.js";
import { openDatabase, type Database } from "./adapters/persistence/database.js";
import { KnexStockStory } from "./adapters/persistence/knex-stock-story.js";
import { KnexEventOutbox } from "./adapters/persistence/knex-event-outbox.js";
import { KnexScorecardSource } from "./adapters/persistence/knex-scorecard-source.js";
import { ScorecardMetrics } from "./adapters/observability/scorecard-metrics.js";
import { PgPartitionLeases } from "./adapters/persistence/pg-partition-leases.js";
import { startGrpcServer } from "./adapters/rpc/grpc-server.js";
import { consoleService } from "./adapters/rpc/console-service.js";
import { inventoryService } from "./adapters/rpc/inventory-service.js";
import { migrationService } from "./adapters/rpc/migration-service.js";
import { registerService } from "./adapters/rpc/registered-service.js";
import { guardService } from "./adapters/rpc/service-guard.js";
import { tracedService } from "./adapters/rpc/traced-service.js";
import { wmsSyncService } from "./adapters/rpc/wms-sync-service.js";
import { limitWmsWrites } from "./adapters/rpc/wms-write-limit.js";
import { composeIngestion } from "./composition/ingestion.js";
import { composeLegacyForwarding } from "./composition/legacy-forwarding.js";
import { composeLowStock } from "./composition/low-stock.js";
import { composeReconciliation, operatorAccess } from "./composition/reconciliation.js";
import { composeReservationSync } from "./composition/reservation-sync.js";
import { composeReservations } from "./composition/reservations.js";
import { composeWmsIngress } from "./composition/wms-ingress.js";
import type { Config, FlagsConfig } from "./config/config.js";
import { StockQueries } from "./inventory/application/stock-queries.js";
import { CohortStatusQuery } from "./migration/application/cohort-status.js";
import { MigrationScorecard } from "./migration/application/migration-scorecard.js";
import { LegacyRunWatch } from "./migration/application/legacy-run-watch.js";
import { ShadowComparator } from "./migration/application/shadow-comparator.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";
import { wholeOutbox } from "./outbox/outbox-lease.port.js";
import { soleProcessLease } from "./shared/lease.port.js";
import { systemClock } from "./shared/clock.js";
import { PeriodicTask } from "./shared/periodic-task.js";
import type { Logger } from "./shared/logger.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";

/** A started service. */
export interface RunningService {
  readonly gatewayPort: number;
  readonly grpcPort: number;
  /** Drains requests and the relay, then closes every connection. */
  stop(): Promise<void>;
}

/** What a test may add to a started service. */
export interface ServiceHooks {
  /** Receives every finished span (tracing must be on): an in-memory exporter in tests. */
  readonly spanExporter?: SpanExporter;
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
 * The composition root: the only place that wires concrete adapters to the use cases (with the
 * `composition/` modules it calls), then starts the gateway, the gRPC server, the outbox relay and
 * the background tasks.
 */
export async function startService(config: Config, logger: Logger, hooks: ServiceHooks = {}): Promise<RunningService> {
  const database = await openConfiguredDatabase(config, logger);
  await database.migrate();
  const knex = database.knex;
  const tracing = startTracing(config.observability.tracing, hooks.spanExporter);
  const metrics = new ServiceMetrics(config.observability.metricsMaxWmsIds);
  const ingestionMetrics = new IngestionMetrics(metrics.registry, metrics.wmsIds);
  const bus = new JetStreamEventPublisher(
    {
      url: config.natsUrl,
      stream: config.natsStream,
      subjectPrefix: config.natsSubjectPrefix,
      duplicateWindowMs: config.natsDuplicateWindowMs,
      maxAgeMs: config.eventRetentionMs,
      publishTimeoutMs: config.publishTimeoutMs,
      streamReplicas: config.natsStreamReplicas,
    },
    logger,
    tracing,
  );
  const traceparent = tracing.enabled ? () => tracing.activeCarrier()?.traceparent : undefined;
  const outbox = new KnexEventOutbox(knex, encodeEvent, {
    onAppended: () => relay.wake(),
    ...(traceparent ? { activeTraceparent: traceparent } : {}),
    chunkEvents: config.relayBatchSize,
    partitions: config.relayScale.partitions,
    vacuumEveryRows: config.outboxVacuumRows,
    onVacuumError: (error) => logger.warn({ err: String(error) }, "vacuum of the outbox queue failed"),
  });
  const changes = config.logLevel === "debug" || config.logLevel === "trace" ? loggedOutbox(outbox, logger) : outbox;
  const flags = await UnleashFeatureFlags.start(unleashSettings(config.flags), logger.child({ component: "flags" }));
  const migrationMetrics = new MigrationMetrics(metrics.registry, flags);
  const { ingestion, stock, legacy, comparisons, settlement } = composeIngestion(knex, changes, {
    flags,
    flagNames: config.flags.names,
    shipmentSettleMs: config.shipmentSettleMs,
    maxBatchUpdates: config.maxBatchUpdates,
    clock: systemClock,
    logger,
    observers: {
      batches: ingestionMetrics,
      routing: { routed: (counts, cutovers) => migrationMetrics.routedUpdates(counts, cutovers) },
    },
  });
  const comparator = new ShadowComparator(comparisons, legacy, systemClock, logger, { compared: (t) => migrationMetrics.comparisonFinished(t) });
  const legacyRuns = new LegacyRunWatch(comparator, config.legacyRunPollMs, logger);
  const scorecard = new MigrationScorecard(new KnexScorecardSource(knex), comparisons, config.flags.names, systemClock);
  const scorecardMetrics = new ScorecardMetrics(metrics.registry);
  const scorecardGauges = new PeriodicTask("scorecard gauges", config.scorecardRefreshMs, () => scorecardMetrics.refresh(scorecard, systemClock.now()), logger);
  const legacyForwarder = composeLegacyForwarding(config, knex, metrics, systemClock, logger);
  const lowStock = composeLowStock(config, knex, metrics, () => relay.wake(), systemClock, logger);
  const operators = operatorAccess(config, metrics.registry, logger);
  const { access } = operators;
  const reconciliation = composeReconciliation(knex, changes, settlement.shortfalls, config, operators, systemClock, logger);
  const reservationSync = composeReservationSync(config, knex, metrics, systemClock, logger, access, reconciliation.audit);
  const reservations = composeReservations(knex, reservationSync.outbox(changes), settlement, config, metrics, logger, access, reconciliation.audit);
  const instrumented = new InstrumentedIngestion(ingestion, ingestionMetrics, tracing);
  const ingress = composeWmsIngress(
    config,
    knex,
    instrumented,
    metrics,
    systemClock,
    logger,
    { access, audit: reconciliation.audit, dropHandler: reconciliation.dropHandler },
    tracing,
  );
  // On PostgreSQL the replicas split the outbox's partitions (docs/operations.md); embedded, this process is the only one.
  const partitionLeases = config.databaseUrl
    ? new PgPartitionLeases(
        config.databaseUrl,
        { replicaId: config.relayScale.replicaId, partitions: config.relayScale.partitions, heartbeatMs: config.relayScale.heartbeatMs, ttlMs: config.relayScale.leaseTtlMs },
        logger.child({ component: "relay-leases" }),
      )
    : undefined;
  const relay = new OutboxRelay(
    outbox,
    bus,
    partitionLeases ?? wholeOutbox(soleProcessLease),
    systemClock,
    logger,
    { batchSize: config.relayBatchSize, idleDelayMs: config.relayIdleMs, maxBackoffMs: 5_000, pipelineDepth: config.relayPipelineDepth },
    {
      published: (events, at) => metrics.eventsPublished(events, at),
      failed: () => metrics.relayFailed(),
      publishFailed: () => metrics.publishFailed(),
    },
  );

  const guarded = [
    registerService(
      WmsSyncService,
      guardService(WmsSyncService, wmsSyncService(ingress.ingestor, { clock: systemClock, maxFutureSkewMs: config.maxFutureSkewMs }, tracing), logger, access),
    ),
    ...ingress.services,
    registerService(InventoryService, guardService(InventoryService, inventoryService(new StockQueries(stock)), logger, access)),
    reservations.service,
    reservations.rules,
    reservationSync.service,
    registerService(
      MigrationService,
      guardService(MigrationService, migrationService(
          new CohortStatusQuery(flags, config.flags.names, comparisons),
          comparator,
          scorecard,
        ), logger, access),
    ),
    reconciliation.service,
    registerService(ConsoleService, guardService(ConsoleService, consoleService(new KnexStockStory(knex)), logger, access)),
  ];
  const services = tracing.enabled ? guarded.map((registered) => tracedService(registered, tracing)) : guarded;
  metrics.watch({
    backlog: () => outbox.backlog(),
    databaseUp: () => database.ping(1000),
    natsUp: () => bus.status().connected && bus.status().streamReady,
  });

  let draining = false;
  const probe = readinessProbe({
    database,
    outbox,
    bus: () => bus.status(),
    relayFailure: () => relay.lastFailure,
    draining: () => draining,
    ...(legacyForwarder ? { legacyForwarder } : {}),
  });
  const gateway = await startGateway(
    services,
    [healthRoutes(probe, metrics), consoleRoute(), restAliases(services, config.maxRequestBytes), notFoundRoute],
    { host: config.host, port: config.gatewayPort, maxBodyBytes: config.maxRequestBytes },
    logger,
    [ingress.gate, rpcRequestGate(services, config.maxRequestBytes)],
  );
  const grpcServices = services.map((registered) => limitWmsWrites(registered, ingress.writeLimit, (code) => metrics.wmsRequestsRefused.inc({ code }), logger));
  const grpc = await startGrpcServer(grpcServices, { host: config.host, port: config.grpcPort, maxMessageBytes: config.maxRequestBytes });
  const tasks = [...reservations.tasks, legacyRuns, scorecardGauges, ...reconciliation.tasks, ...(legacyForwarder ? [legacyForwarder] : []), ...(lowStock ? [lowStock] : []), ...(reservationSync.forwarder ? [reservationSync.forwarder] : [])];
  partitionLeases?.start();
  relay.start();
  tasks.forEach((task) => task.start());
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
      await Promise.all(tasks.map((task) => task.stop()));
      await relay.stop(config.shutdownGraceMs);
      await outbox.settled();
      flags.close();
      await bus.close();
      await database.close();
      await tracing.shutdown();
      logger.info({}, "inventory-sync stopped");
    },
  };
}

function unleashSettings(flags: FlagsConfig): UnleashSettings {
  if (!flags.unleash) return { kind: "bootstrap", file: flags.bootstrapFile };
  return { kind: "server", ...flags.unleash };
}

function openConfiguredDatabase(config: Config, logger: Logger): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax }, logger);
}
