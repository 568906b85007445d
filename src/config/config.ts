import { resolve } from "node:path";
import { ConfigError, EnvReader } from "./env-reader.js";
import { readEventStream } from "./event-stream-config.js";
import { readLegacyForward, type LegacyForwardConfig } from "./legacy-forward-config.js";
import { readRelayScale, type RelayScaleConfig } from "./relay-config.js";
import { readLowStock, type LowStockConfig } from "./low-stock-config.js";
import { readReservationSync, type ReservationSyncConfig } from "./reservation-sync-config.js";
import { readObservability, type ObservabilityConfig } from "./observability-config.js";
import { readReconciliation, type ReconciliationConfig } from "./reconciliation-config.js";
import { readWmsIngress, type WmsIngressConfig } from "./wms-ingress-config.js";

/** The service's configuration, read once from the environment at start. */
export interface Config {
  /** PostgreSQL URL; undefined runs the embedded PGlite database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly databasePoolMax: number;
  readonly natsUrl: string;
  readonly natsStream: string;
  readonly natsSubjectPrefix: string;
  readonly natsDuplicateWindowMs: number;
  /** Replicas of the JetStream stream when the service creates it (3 on a 3-node cluster). */
  readonly natsStreamReplicas: number;
  readonly eventRetentionMs: number;
  readonly publishTimeoutMs: number;
  readonly host: string;
  readonly gatewayPort: number;
  readonly grpcPort: number;
  readonly logLevel: LogLevel;
  readonly maxBatchUpdates: number;
  readonly maxRequestBytes: number;
  readonly maxFutureSkewMs: number;
  readonly relayBatchSize: number;
  readonly relayIdleMs: number;
  /** Rows deleted from the relay's queue between two vacuums of it by the service; 0: never (autovacuum's job). */
  readonly outboxVacuumRows: number;
  readonly relayPipelineDepth: number;
  /** Several replicas: partitions, heartbeat, lease TTL, this replica's id. */
  readonly relayScale: RelayScaleConfig;
  readonly shutdownGraceMs: number;
  readonly reservationDefaultTtlMs: number;
  readonly reservationMaxTtlMs: number;
  readonly reservationSweepIntervalMs: number;
  readonly reservationSweepBatchSize: number;
  readonly shipmentSettleMs: number;
  readonly reservedDriftCheckIntervalMs: number;
  /** WMS ingress: signing, file drop, pull, gaps, pause. */
  readonly wmsIngress: WmsIngressConfig;
  readonly flags: FlagsConfig;
  readonly legacyRunPollMs: number;
  /** How often the scorecard gauges are computed (ms). */
  readonly scorecardRefreshMs: number;
  /** The HTTP hand-off to legacy; undefined: legacy reads the feed table (the nightly job). */
  readonly legacyForward: LegacyForwardConfig | undefined;
  /** The push of reservation changes to the WMS; undefined when `WMS_RESERVATION_SYNC_URL` is unset. */
  readonly reservationSync: ReservationSyncConfig | undefined;
  /** Traces and metric label limits. */
  readonly observability: ObservabilityConfig;
  /** Reconciliation, operator access and the audit log. */
  readonly reconciliation: ReconciliationConfig;
  /** Predictive low-stock alerts. */
  readonly lowStock: LowStockConfig;
}

/** Where routing flags come from and what they are called (see the README's strangler migration section). */
export interface FlagsConfig {
  /** Local bootstrap file used when no Unleash server is configured. */
  readonly bootstrapFile: string;
  /** An Unleash server (URL of its `/api`, a backend token), or undefined for the bootstrap file. */
  readonly unleash: { readonly url: string; readonly token: string; readonly refreshIntervalMs: number; readonly timeoutMs: number; readonly backupDir: string } | undefined;
  readonly names: { readonly cohort: string; readonly shadow: string; readonly killSwitch: string };
}

export { ConfigError };

/** Log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Reads and validates the configuration from `env`. Every problem is collected and reported at
 * once, naming the variable, the value and the rule (see the README's configuration table).
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const read = new EnvReader(env);
  const config: Config = {
    databaseUrl: read.optionalUrl("DATABASE_URL", ["postgres:", "postgresql:"]),
    dataDir: resolve(read.string("DATA_DIR", ".data/pglite")),
    databasePoolMax: read.integer("DATABASE_POOL_MAX", 10, 1, 200),
    ...readEventStream(read),
    natsDuplicateWindowMs: read.integer("NATS_DUPLICATE_WINDOW_SECONDS", 120, 1, 86_400) * 1000,
    natsStreamReplicas: read.integer("NATS_STREAM_REPLICAS", 1, 1, 5),
    eventRetentionMs: read.integer("EVENT_RETENTION_DAYS", 30, 1, 3650) * 86_400_000,
    publishTimeoutMs: read.integer("NATS_PUBLISH_TIMEOUT_MS", 5000, 100, 60_000),
    host: read.string("HOST", "0.0.0.0"),
    gatewayPort: read.integer("GATEWAY_PORT", 8080, 0, 65_535),
    grpcPort: read.integer("GRPC_PORT", 50051, 0, 65_535),
    logLevel: read.oneOf("LOG_LEVEL", "info", LOG_LEVELS),
    maxBatchUpdates: read.integer("MAX_BATCH_UPDATES", 10_000, 1, 100_000),
    maxRequestBytes: read.integer("MAX_REQUEST_BYTES", 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxFutureSkewMs: read.integer("MAX_FUTURE_SKEW_SECONDS", 300, 0, 86_400) * 1000,
    relayBatchSize: read.integer("RELAY_BATCH_SIZE", 1000, 1, 10_000),
    relayIdleMs: read.integer("RELAY_IDLE_MS", 200, 10, 60_000),
    outboxVacuumRows: read.integer("OUTBOX_VACUUM_ROWS", 5000, 0, 10_000_000),
    relayPipelineDepth: read.integer("RELAY_PIPELINE_DEPTH", 3, 1, 16),
    relayScale: readRelayScale(read),
    shutdownGraceMs: read.integer("SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    reservationDefaultTtlMs: read.integer("RESERVATION_DEFAULT_TTL_SECONDS", 900, 1, 31_536_000) * 1000,
    reservationMaxTtlMs: read.integer("RESERVATION_MAX_TTL_SECONDS", 604_800, 1, 31_536_000) * 1000,
    reservationSweepIntervalMs: read.integer("RESERVATION_SWEEP_INTERVAL_MS", 1000, 10, 3_600_000),
    reservationSweepBatchSize: read.integer("RESERVATION_SWEEP_BATCH_SIZE", 500, 1, 10_000),
    shipmentSettleMs: read.integer("SHIPMENT_SETTLE_SECONDS", 5, 0, 3600) * 1000,
    reservedDriftCheckIntervalMs: read.integer("RESERVED_DRIFT_CHECK_INTERVAL_SECONDS", 60, 1, 86_400) * 1000,
    wmsIngress: readWmsIngress(read),
    flags: readFlagsConfig(read, env),
    legacyRunPollMs: read.integer("LEGACY_RUN_POLL_SECONDS", 60, 1, 86_400) * 1000,
    scorecardRefreshMs: read.integer("SCORECARD_REFRESH_SECONDS", 300, 1, 86_400) * 1000,
    legacyForward: readLegacyForward(read),
    reservationSync: readReservationSync(read),
    observability: readObservability(read),
    reconciliation: readReconciliation(read),
    lowStock: readLowStock(read),
  };
  read.throwIfInvalid();
  if (config.reservationDefaultTtlMs > config.reservationMaxTtlMs) {
    throw new ConfigError(["RESERVATION_DEFAULT_TTL_SECONDS: must not exceed RESERVATION_MAX_TTL_SECONDS"]);
  }
  return config;
}

const FLAG_NAME = /^[A-Za-z0-9_.~-]{1,100}$/;

function readFlagsConfig(read: EnvReader, env: NodeJS.ProcessEnv): FlagsConfig {
  // Embedded mode (no DATABASE_URL) is a developer's machine: every SKU on the new path. Anywhere
  // else the safe default is legacy for every SKU until flags say otherwise.
  const embedded = (env.DATABASE_URL ?? "").trim() === "";
  const bootstrapFile = resolve(read.string("FLAGS_BOOTSTRAP_FILE", embedded ? "flags/all-new.json" : "flags/all-legacy.json"));
  const url = read.optionalUrl("UNLEASH_URL", ["http:", "https:"]);
  const token = read.string("UNLEASH_API_TOKEN", "");
  if (url && token === "") read.report("UNLEASH_API_TOKEN: is required when UNLEASH_URL is set (a backend token)");
  const unleash = {
    url: url ?? "",
    token,
    refreshIntervalMs: read.integer("UNLEASH_REFRESH_INTERVAL_MS", 15_000, 1000, 3_600_000),
    timeoutMs: read.integer("UNLEASH_TIMEOUT_MS", 5000, 1000, 60_000),
    backupDir: resolve(read.string("UNLEASH_BACKUP_DIR", ".data/unleash")),
  };
  const name = (variable: string, fallback: string) => read.pattern(variable, fallback, FLAG_NAME, "an Unleash flag name (letters, digits, '_', '.', '~', '-')");
  return {
    bootstrapFile,
    unleash: url ? unleash : undefined,
    names: {
      cohort: name("FLAG_NEW_PATH", "invsync.cohort.new"),
      shadow: name("FLAG_SHADOW_PATH", "invsync.cohort.shadow"),
      killSwitch: name("FLAG_INGESTION_KILL_SWITCH", "invsync.ingestion.kill-switch"),
    },
  };
}
