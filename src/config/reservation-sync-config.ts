import type { EnvReader } from "./env-reader.js";
import { parseSigningKeys } from "./wms-ingress-config.js";

/** The push of reservation changes to the WMS: where, signed with which key, and how often and how hard to try. */
export interface ReservationSyncConfig {
  /** The WMS's endpoint; each POST carries one message. */
  readonly url: string;
  /** The key the POSTs are signed with (`X-Invsync-Signature`, as the WMS signs its requests to us). */
  readonly keyId: string;
  readonly secret: string;
  /** Messages read per round trip to the outbox (each still POSTed on its own). */
  readonly batchSize: number;
  /** How often the outbox is looked at (and, after failures, the first wait between rounds). */
  readonly pollMs: number;
  /** Tries per POST within a round (network errors, timeouts, 429 and 5xx are retried). */
  readonly maxAttempts: number;
  /** Timeout of one POST. */
  readonly timeoutMs: number;
}

/**
 * Reads the reservation sync settings; undefined when `WMS_RESERVATION_SYNC_URL` is unset (no
 * messages are written or sent). With the URL set, the signing key is required.
 */
export function readReservationSync(read: EnvReader): ReservationSyncConfig | undefined {
  const url = read.optionalUrl("WMS_RESERVATION_SYNC_URL", ["http:", "https:"]);
  const keys = read.parsed("WMS_RESERVATION_SYNC_SIGNING_KEY", parseSigningKeys);
  const settings = {
    batchSize: read.integer("WMS_RESERVATION_SYNC_BATCH_SIZE", 200, 1, 10_000),
    pollMs: read.integer("WMS_RESERVATION_SYNC_POLL_MS", 500, 10, 3_600_000),
    maxAttempts: read.integer("WMS_RESERVATION_SYNC_MAX_ATTEMPTS", 5, 1, 20),
    timeoutMs: read.integer("WMS_RESERVATION_SYNC_TIMEOUT_MS", 10_000, 100, 300_000),
  };
  if (!url) return undefined;
  const [key, ...more] = [...(keys ?? new Map<string, string>())];
  if (!key || more.length > 0) {
    read.report("WMS_RESERVATION_SYNC_SIGNING_KEY: must be set to one <key id>:<secret> when WMS_RESERVATION_SYNC_URL is set");
    return undefined;
  }
  return { url, keyId: key[0], secret: key[1], ...settings };
}
