import { hostname } from "node:os";
import type { EnvReader } from "./env-reader.js";

/** How several replicas share the outbox relay (docs/operations.md). */
export interface RelayScaleConfig {
  /** Outbox partitions (`RELAY_PARTITIONS`): each leased by one replica at a time. */
  readonly partitions: number;
  /** How often a replica heartbeats and renews its partition leases (`RELAY_HEARTBEAT_MS`). */
  readonly heartbeatMs: number;
  /** How long a lease lasts unrenewed (`RELAY_LEASE_TTL_MS`): a dead replica's partitions move within it plus a heartbeat. */
  readonly leaseTtlMs: number;
  /** This replica's name among the replicas of a database (`REPLICA_ID`; host name and process id by default). */
  readonly replicaId: string;
}

/** Reads `RELAY_PARTITIONS`, `RELAY_HEARTBEAT_MS`, `RELAY_LEASE_TTL_MS` and `REPLICA_ID`. */
export function readRelayScale(read: EnvReader): RelayScaleConfig {
  const config: RelayScaleConfig = {
    partitions: read.integer("RELAY_PARTITIONS", 16, 1, 1024),
    heartbeatMs: read.integer("RELAY_HEARTBEAT_MS", 1000, 50, 60_000),
    leaseTtlMs: read.integer("RELAY_LEASE_TTL_MS", 5000, 100, 600_000),
    replicaId: read.pattern("REPLICA_ID", `${hostname()}-${process.pid}`, /^[A-Za-z0-9_.:-]{1,128}$/, "1 to 128 letters, digits, '_', '.', ':' or '-'"),
  };
  if (config.leaseTtlMs <= config.heartbeatMs) read.report(`RELAY_LEASE_TTL_MS=${config.leaseTtlMs}: must be longer than RELAY_HEARTBEAT_MS (${config.heartbeatMs})`);
  return config;
}
