import { Counter, Histogram, type Registry } from "prom-client";
import type { SourceTally } from "../../wms-ingestion/application/source-tally.js";
import type { BatchResult, WmsBatch } from "../../wms-ingestion/application/wms-batch.js";
import type { IngestionObserver } from "../../wms-ingestion/application/wms-batch-ingestion.js";
import { wmsIdOf } from "../../wms-ingestion/application/source-tally.js";
import type { BoundedLabel } from "./bounded-label.js";

type UpdateLabels = "wms_id" | "schema_version";

/**
 * Metrics of WMS ingestion, on the service's registry. Labels: `schema_version`, `outcome` and
 * `wms_id` (capped: see {@link BoundedLabel}); never a SKU.
 */
export class IngestionMetrics implements IngestionObserver {
  private readonly received: Counter<UpdateLabels>;
  private readonly updates: Counter<UpdateLabels | "outcome">;
  private readonly batches: Counter<"schema_version" | "outcome">;
  private readonly batchSize: Histogram;
  private readonly duration: Histogram<"schema_version">;

  constructor(
    registry: Registry,
    private readonly wmsIds: BoundedLabel,
  ) {
    const registers = [registry];
    this.received = new Counter({
      name: "invsync_wms_updates_received_total",
      help: "WMS updates that reached ingestion (whatever became of them), by source and schema version.",
      labelNames: ["wms_id", "schema_version"],
      registers,
    });
    this.updates = new Counter({
      name: "invsync_wms_updates_total",
      help: "WMS updates by outcome: accepted (applied, or handed to legacy/shadow), duplicate, stale, rejected (by the ACL or the domain), failed (their batch failed: database down, batch too large).",
      labelNames: ["outcome", "wms_id", "schema_version"],
      registers,
    });
    this.batches = new Counter({
      name: "invsync_wms_batches_total",
      help: "WMS batches that reached ingestion, by outcome (applied, failed) and schema version.",
      labelNames: ["schema_version", "outcome"],
      registers,
    });
    this.batchSize = new Histogram({
      name: "invsync_wms_batch_size",
      help: "Updates per WMS batch.",
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000],
      registers,
    });
    this.duration = new Histogram({
      name: "invsync_wms_batch_duration_seconds",
      help: "Time to apply one WMS batch (its transaction included), applied or failed.",
      labelNames: ["schema_version"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  batchApplied(schemaVersion: string, result: BatchResult, sources: readonly SourceTally[]): void {
    for (const { wmsId, ...outcomes } of sources) {
      const labels = { wms_id: this.wmsIds.value(wmsId), schema_version: schemaVersion };
      this.received.inc(labels, outcomes.accepted + outcomes.duplicate + outcomes.stale + outcomes.rejected);
      for (const [outcome, count] of Object.entries(outcomes)) if (count > 0) this.updates.inc({ ...labels, outcome }, count);
    }
    this.batches.inc({ schema_version: schemaVersion, outcome: "applied" });
    this.batchSize.observe(result.accepted + result.duplicate + result.stale + result.rejected);
  }

  /** Counts a batch that failed as a whole: each of its updates is received and failed. */
  batchFailed(batch: WmsBatch): void {
    const perSource = new Map<string, number>();
    for (const update of batch.updates) {
      const wmsId = this.wmsIds.value(wmsIdOf(update));
      perSource.set(wmsId, (perSource.get(wmsId) ?? 0) + 1);
    }
    for (const [wmsId, count] of perSource) {
      const labels = { wms_id: wmsId, schema_version: batch.schemaVersion };
      this.received.inc(labels, count);
      this.updates.inc({ ...labels, outcome: "failed" }, count);
    }
    this.batches.inc({ schema_version: batch.schemaVersion, outcome: "failed" });
  }

  /** Records how long a batch took, applied or failed. */
  batchTook(schemaVersion: string, seconds: number): void {
    this.duration.observe({ schema_version: schemaVersion }, seconds);
  }
}
