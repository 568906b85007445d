import type { EnvReader } from "./env-reader.js";
import { parseHeader } from "./wms-ingress-config.js";

/** The HTTP hand-off to legacy: where undelivered feed rows are POSTed, and how. */
export interface LegacyForwardConfig {
  /** Legacy's endpoint; each POST carries one batch of feed rows. */
  readonly url: string;
  /** A header sent with every POST (`["authorization", "Bearer …"]`), or none. */
  readonly authHeader: readonly [string, string] | undefined;
  /** Feed rows per POST. */
  readonly batchSize: number;
  /** How often the forwarder looks for undelivered rows (and, after failures, the first wait between rounds). */
  readonly pollMs: number;
  /** Tries per POST within a round (network errors, timeouts, 429 and 5xx are retried). */
  readonly maxAttempts: number;
  /** Timeout of one POST. */
  readonly timeoutMs: number;
}

/**
 * Reads the legacy forwarder's settings; undefined when `LEGACY_FORWARD_URL` is unset (legacy
 * reads the feed table itself). Problems are collected by `read` like every other variable.
 */
export function readLegacyForward(read: EnvReader): LegacyForwardConfig | undefined {
  const url = read.optionalUrl("LEGACY_FORWARD_URL", ["http:", "https:"]);
  const settings = {
    authHeader: read.parsed("LEGACY_FORWARD_AUTH_HEADER", parseHeader),
    batchSize: read.integer("LEGACY_FORWARD_BATCH_SIZE", 500, 1, 10_000),
    pollMs: read.integer("LEGACY_FORWARD_POLL_MS", 1000, 10, 3_600_000),
    maxAttempts: read.integer("LEGACY_FORWARD_MAX_ATTEMPTS", 5, 1, 20),
    timeoutMs: read.integer("LEGACY_FORWARD_TIMEOUT_MS", 10_000, 100, 300_000),
  };
  return url ? { url, ...settings } : undefined;
}
