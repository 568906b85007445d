import type { BatchIngestor } from "../../wms-ingestion/application/wms-batch-ingestion.js";
import type { BatchResult, WmsBatch } from "../../wms-ingestion/application/wms-batch.js";
import { wmsIdOf } from "../../wms-ingestion/application/source-tally.js";
import type { IngestionMetrics } from "./ingestion-metrics.js";
import type { Tracing } from "./tracing.js";

/**
 * The ingestion use case as operations see it: each batch timed and counted (applied or failed)
 * and, with tracing on, run in a span (`invsync.batch_id`, `invsync.wms_ids`, `invsync.sku_count`,
 * outcome counts) whose context the outbox stores with the batch's events. Wraps every ingestion
 * path: pushes, files, pulls, backfills and replays.
 */
export class InstrumentedIngestion implements BatchIngestor {
  constructor(
    private readonly inner: BatchIngestor,
    private readonly metrics: IngestionMetrics,
    private readonly tracing: Tracing,
  ) {}

  async ingest(batch: WmsBatch): Promise<BatchResult> {
    const started = performance.now();
    try {
      return await this.tracing.inSpan("apply wms batch", this.tracing.enabled ? batchAttributes(batch) : {}, async (notes) => {
        const result = await this.inner.ingest(batch);
        const { accepted, duplicate, stale, rejected } = result;
        notes.set({ "invsync.accepted": accepted, "invsync.duplicate": duplicate, "invsync.stale": stale, "invsync.rejected": rejected });
        return result;
      });
    } catch (error) {
      this.metrics.batchFailed(batch);
      throw error;
    } finally {
      this.metrics.batchTook(batch.schemaVersion, (performance.now() - started) / 1000);
    }
  }
}

function batchAttributes(batch: WmsBatch): Record<string, string | number | string[]> {
  const wmsIds = new Set<string>();
  const skus = new Set<string>();
  for (const update of batch.updates) {
    wmsIds.add(wmsIdOf(update));
    const sku = update.kind === "count" ? update.count.sku : update.kind === "movement" ? update.movement.sku : update.identity.sku;
    if (sku) skus.add(sku);
  }
  return {
    "invsync.batch_id": batch.batchId,
    "invsync.schema_version": batch.schemaVersion,
    "invsync.update_count": batch.updates.length,
    "invsync.wms_ids": [...wmsIds].slice(0, 20),
    "invsync.sku_count": skus.size,
  };
}
