import type { PayloadForm } from "./legacy-inventory.port.js";

/** One row of the legacy feed waiting for delivery to legacy's endpoint. */
export interface LegacyFeedEntry {
  /** The feed id: stable, unique, growing in commit order; legacy dedupes by it. */
  readonly feedId: bigint;
  /** The path that handed the update on: `legacy` (legacy owns the SKU) or `shadow` (dual run). */
  readonly path: "legacy" | "shadow";
  /** The WMS contract the payload is written in (`wms.v1`, `wms.v2`). */
  readonly schemaVersion: string;
  /** What `payloadJson` holds (see {@link PayloadForm}). */
  readonly payloadForm: PayloadForm;
  /**
   * The WMS update as received, as JSON text, never re-read on the way (a JSON string holding the
   * CSV text for the `csv` form).
   */
  readonly payloadJson: string;
}

/** How far delivery is behind. */
export interface LegacyFeedBacklog {
  /** Rows not yet delivered. */
  readonly count: number;
  /** When the oldest of them was handed on; undefined when none. */
  readonly oldestFedAt: Date | undefined;
}

/**
 * Port: the undelivered part of the legacy feed, for the HTTP forwarder. A row stays undelivered
 * (and visible, with its attempts and last error) until legacy's endpoint acknowledged it.
 */
export interface LegacyFeedQueue {
  /** Up to `limit` undelivered rows, lowest feed id first. */
  undelivered(limit: number): Promise<LegacyFeedEntry[]>;
  /** Marks rows delivered at `at` (rows already delivered keep their first time), adding the attempts it took. */
  markDelivered(feedIds: readonly bigint[], attempts: number, at: Date): Promise<void>;
  /** Records a delivery that failed: adds the attempts made and keeps the error, for operators. */
  recordFailure(feedIds: readonly bigint[], attempts: number, error: string): Promise<void>;
  /** The undelivered rows and the age of the oldest. */
  backlog(): Promise<LegacyFeedBacklog>;
}
