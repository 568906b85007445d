import { seededRandom } from "../../bench/stats.js";
import { skuCode, WmsSender, ZipfSampler, type GeneratedUpdate } from "../../bench/workload.js";

/** The shape of a fault scenario's WMS traffic. */
export interface StreamSettings {
  /** WMS sources; each has its own `wms_id` and location (a warehouse has one WMS). */
  readonly sources: number;
  /** Batches per source. */
  readonly batchesPerSource: number;
  readonly minBatch: number;
  readonly maxBatch: number;
  /** Distinct SKUs; popularity is Zipf-skewed so hot rows are contended. */
  readonly skus: number;
  /** Seed of everything random: the same seed gives the same stream. */
  readonly seed: number;
}

/** One batch as the WMS will send it (and resend it until acknowledged). */
export interface PlannedBatch {
  readonly batchId: string;
  readonly source: WmsSender;
  readonly updates: readonly GeneratedUpdate[];
  /** The Connect JSON body (`SyncInventory`); the same bytes on every attempt. */
  readonly body: string;
}

/** A WMS source and its planned batches, in sequence order. */
export interface PlannedSource {
  readonly sender: WmsSender;
  readonly batches: readonly PlannedBatch[];
}

/**
 * Plans every source's batches up front, deterministically from the seed: fresh updates with rising
 * sequences, some resent inside later batches (duplicates) and some held back into a later batch
 * (out of order, stale when overtaken), shuffled within each batch (see the benchmark's workload).
 */
export function planStream(label: string, settings: StreamSettings): PlannedSource[] {
  const workload = {
    skus: settings.skus,
    zipfExponent: 1.0,
    minBatch: settings.minBatch,
    maxBatch: settings.maxBatch,
    duplicateShare: 0.03,
    lateShare: 0.02,
    seed: settings.seed,
  };
  const zipf = new ZipfSampler(settings.skus, workload.zipfExponent, seededRandom(settings.seed));
  return Array.from({ length: settings.sources }, (_, s) => {
    const sender = new WmsSender(`${label}-wms-${s}`, workload, s, zipf);
    const batches = Array.from({ length: settings.batchesPerSource }, (_, n) => {
      const updates = sender.nextBatch();
      const batchId = `${label}-${s}-${n}`;
      return { batchId, source: sender, updates, body: sender.toJson(batchId, updates) };
    });
    return { sender, batches };
  });
}

/** A stock record's key as the audit compares them: `<sku>@<location>`. */
export function recordKey(sku: string, locationId: string): string {
  return `${sku}@${locationId}`;
}

/**
 * The reference model: what stock must be after `sources` were applied in any order, any number of
 * times. Per record, the update with the highest sequence of its source wins; duplicates change
 * nothing. Counts only (no movements), so on_hand is exactly the winning quantity.
 */
export function expectedStock(sources: readonly PlannedSource[]): Map<string, number> {
  const winners = new Map<string, { sequence: number; quantity: number }>();
  for (const { sender, batches } of sources) {
    for (const batch of batches) {
      for (const update of batch.updates) {
        const key = recordKey(skuCode(update.sku), sender.locationId);
        const current = winners.get(key);
        if (!current || update.sequence > current.sequence) winners.set(key, { sequence: update.sequence, quantity: update.quantity });
      }
    }
  }
  return new Map([...winners].map(([key, { quantity }]) => [key, quantity]));
}
