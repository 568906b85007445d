import { resolve } from "node:path";
import { ConfigError, EnvReader } from "./env-reader.js";
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
  readonly shutdownGraceMs: number;
  readonly reservationDefaultTtlMs: number;
  readonly reservationMaxTtlMs: number;
  readonly reservationSweepIntervalMs: number;
  readonly reservationSweepBatchSize: number;
  readonly shipmentSettleMs: number;
  readonly reservedDriftCheckIntervalMs: number;
  /** WMS ingress: signing, file drop, pull, gaps, pause. */
  readonly wmsIngress: WmsIngressConfig;
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
    natsUrl: read.url("NATS_URL", "nats://127.0.0.1:4222", ["nats:", "tls:"]),
    natsStream: read.pattern("NATS_STREAM", "INVENTORY", /^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' or '-'"),
    natsSubjectPrefix: read.pattern(
      "NATS_SUBJECT_PREFIX",
      "inventory",
      /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
      "subject tokens of letters, digits, '_' or '-' joined by '.'",
    ),
    natsDuplicateWindowMs: read.integer("NATS_DUPLICATE_WINDOW_SECONDS", 120, 1, 86_400) * 1000,
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
    shutdownGraceMs: read.integer("SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    reservationDefaultTtlMs: read.integer("RESERVATION_DEFAULT_TTL_SECONDS", 900, 1, 31_536_000) * 1000,
    reservationMaxTtlMs: read.integer("RESERVATION_MAX_TTL_SECONDS", 604_800, 1, 31_536_000) * 1000,
    reservationSweepIntervalMs: read.integer("RESERVATION_SWEEP_INTERVAL_MS", 1000, 10, 3_600_000),
    reservationSweepBatchSize: read.integer("RESERVATION_SWEEP_BATCH_SIZE", 500, 1, 10_000),
    shipmentSettleMs: read.integer("SHIPMENT_SETTLE_SECONDS", 5, 0, 3600) * 1000,
    reservedDriftCheckIntervalMs: read.integer("RESERVED_DRIFT_CHECK_INTERVAL_SECONDS", 60, 1, 86_400) * 1000,
    wmsIngress: readWmsIngress(read),
  };
  read.throwIfInvalid();
  if (config.reservationDefaultTtlMs > config.reservationMaxTtlMs) {
    throw new ConfigError(["RESERVATION_DEFAULT_TTL_SECONDS: must not exceed RESERVATION_MAX_TTL_SECONDS"]);
  }
  return config;
}
