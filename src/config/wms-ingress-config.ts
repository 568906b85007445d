import { resolve } from "node:path";
import type { EnvReader } from "./env-reader.js";

/** Settings of the WMS ingress paths: signed pushes, file drop, pull, gap checks, pause. */
export interface WmsIngressConfig {
  /** False only when `WMS_SIGNATURE_REQUIRED=false` (local development; logged loudly at start). */
  readonly signatureRequired: boolean;
  /** Active signing keys by key id; empty refuses every WMS write with a 401 saying how to configure keys. */
  readonly signingKeys: ReadonlyMap<string, string>;
  readonly signatureToleranceMs: number;
  readonly pausedRetryAfterSeconds: number;
  /** The watched drop folder; undefined turns file drop off. */
  readonly dropDir: string | undefined;
  readonly dropPollMs: number;
  readonly fileBatchSize: number;
  /** The WMS pull endpoint; undefined turns pull (and gap healing) off. */
  readonly pullUrl: string | undefined;
  readonly pullWmsIds: readonly string[];
  readonly pullSchemaVersion: "wms.v1" | "wms.v2";
  readonly pullPageSize: number;
  readonly pullAuthHeader: readonly [string, string] | undefined;
  readonly pullIntervalMs: number;
  readonly pullMaxAttempts: number;
  readonly pullTimeoutMs: number;
  readonly gapCheckIntervalMs: number;
  /** Admission control of WMS writes (pushes over every transport). */
  readonly writeLimits: {
    readonly maxConcurrent: number;
    readonly maxBytes: number;
    readonly maxQueued: number;
    readonly maxWaitMs: number;
    readonly retryAfterSeconds: number;
  };
}

/** Reads {@link WmsIngressConfig}; problems are collected by `read` like every other variable. */
export function readWmsIngress(read: EnvReader): WmsIngressConfig {
  const dropDir = read.parsed("WMS_DROP_DIR", (value) => resolve(value));
  return {
    signatureRequired: read.boolean("WMS_SIGNATURE_REQUIRED", true),
    signingKeys: read.parsed("WMS_SIGNING_KEYS", parseSigningKeys) ?? new Map(),
    signatureToleranceMs: read.integer("WMS_SIGNATURE_TOLERANCE_SECONDS", 300, 1, 3600) * 1000,
    pausedRetryAfterSeconds: read.integer("WMS_PAUSED_RETRY_AFTER_SECONDS", 30, 1, 3600),
    dropDir,
    dropPollMs: read.integer("WMS_DROP_POLL_MS", 2000, 50, 600_000),
    fileBatchSize: read.integer("WMS_FILE_BATCH_SIZE", 1000, 1, 100_000),
    pullUrl: read.optionalUrl("WMS_PULL_URL", ["http:", "https:"]),
    pullWmsIds: read.parsed("WMS_PULL_WMS_IDS", (value) => value.split(",").map((id) => id.trim()).filter(Boolean)) ?? [],
    pullSchemaVersion: read.oneOf("WMS_PULL_SCHEMA_VERSION", "wms.v2", ["wms.v1", "wms.v2"] as const),
    pullPageSize: read.integer("WMS_PULL_PAGE_SIZE", 500, 1, 10_000),
    pullAuthHeader: read.parsed("WMS_PULL_AUTH_HEADER", parseHeader),
    pullIntervalMs: read.integer("WMS_PULL_INTERVAL_MS", 60_000, 100, 86_400_000),
    pullMaxAttempts: read.integer("WMS_PULL_MAX_ATTEMPTS", 5, 1, 20),
    pullTimeoutMs: read.integer("WMS_PULL_TIMEOUT_MS", 10_000, 100, 300_000),
    gapCheckIntervalMs: read.integer("WMS_GAP_CHECK_INTERVAL_MS", 30_000, 100, 86_400_000),
    writeLimits: {
      maxConcurrent: read.integer("WMS_MAX_CONCURRENT_BATCHES", 2, 1, 256),
      maxBytes: read.integer("WMS_MAX_INFLIGHT_BYTES", 64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
      maxQueued: read.integer("WMS_MAX_QUEUED_BATCHES", 16, 0, 10_000),
      maxWaitMs: read.integer("WMS_MAX_QUEUE_WAIT_MS", 10_000, 0, 600_000),
      retryAfterSeconds: read.integer("WMS_OVERLOAD_RETRY_AFTER_SECONDS", 1, 1, 3600),
    },
  };
}

/** `keyid:secret,keyid2:secret2`: key ids of letters, digits, '.', '_' or '-'; secrets of 16+ characters. */
export function parseSigningKeys(value: string): ReadonlyMap<string, string> {
  const keys = new Map<string, string>();
  for (const entry of value.split(",").map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(":");
    const keyId = at > 0 ? entry.slice(0, at) : "";
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(keyId) || entry.length - at - 1 < 16) {
      throw new Error(`each entry must be <key id>:<secret> with a key id of letters, digits, '.', '_' or '-' and a secret of 16 or more characters (entry ${keys.size + 1} is not)`);
    }
    keys.set(keyId, entry.slice(at + 1));
  }
  return keys;
}

/** `Name: value` as a lower-cased header name and its value (the form of `WMS_PULL_AUTH_HEADER`). */
export function parseHeader(value: string): readonly [string, string] {
  const at = value.indexOf(":");
  const name = value.slice(0, at).trim().toLowerCase();
  if (at <= 0 || !/^[a-z0-9-]+$/.test(name)) throw new Error(`must be "<Header-Name>: <value>", for example "Authorization: Bearer <token>"`);
  return [name, value.slice(at + 1).trim()];
}
