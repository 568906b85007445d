import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import { compareShadow, mergeTallies, mismatchRate, type CohortTally, type Mismatch } from "../domain/shadow-comparison.js";
import type { ComparisonStore, ComparisonTrigger, StoredComparison } from "./comparison-store.port.js";
import type { LegacyInventory, LegacyRun } from "./legacy-inventory.port.js";

/** Told about every finished comparison (metrics). */
export interface ComparisonObserver {
  compared(tallies: readonly CohortTally[]): void;
}

/**
 * Use case: compare the shadow projection with legacy's counts, page by page, and record the
 * mismatches with both values. Runs after each legacy run (see {@link compareAfterLegacyRun}) and on
 * demand. Records handed to legacy after its last run are counted as in flight, not judged.
 */
export class ShadowComparator {
  constructor(
    private readonly store: ComparisonStore,
    private readonly legacy: LegacyInventory,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly observer: ComparisonObserver = { compared: () => undefined },
    private readonly pageSize = 1000,
  ) {}

  /** Compares every shadow record now against legacy's latest run. */
  async compare(trigger: ComparisonTrigger, knownRun?: LegacyRun): Promise<StoredComparison> {
    const startedAt = this.clock.now();
    const run = knownRun ?? (await this.legacy.latestRun());
    const fedThrough = run?.fedThrough ?? 0n;
    const tallies: CohortTally[] = [];
    const mismatches: Mismatch[] = [];
    for (let page = await this.store.shadowRecords(undefined, this.pageSize); page.length > 0; ) {
      const keys = page.map((r) => ({ sku: r.level.sku, locationId: r.level.locationId }));
      const [counts, inFlight] = await Promise.all([this.legacy.counts(keys), this.legacy.inFlight(keys, fedThrough)]);
      const result = compareShadow(page, counts, inFlight);
      tallies.push(...result.tallies);
      mismatches.push(...result.mismatches);
      if (page.length < this.pageSize) break;
      page = await this.store.shadowRecords(keys.at(-1), this.pageSize);
    }
    const saved = await this.store.save(
      { trigger, legacyRunId: run?.runId, startedAt, finishedAt: this.clock.now(), tallies: mergeTallies(tallies) },
      mismatches,
    );
    this.observer.compared(saved.tallies);
    this.logger.info(
      {
        comparisonId: saved.id,
        trigger,
        legacyRunId: run?.runId ?? null,
        cohorts: saved.tallies.map((t) => ({ ...t, mismatchRate: mismatchRate(t) })),
      },
      "shadow comparison finished",
    );
    return saved;
  }

  /** Compares once after each legacy run: undefined when no run finished since the last comparison. */
  async compareAfterLegacyRun(): Promise<StoredComparison | undefined> {
    const run = await this.legacy.latestRun();
    if (!run || (await this.store.comparedLegacyRun(run.runId))) return undefined;
    return this.compare("legacy_run", run);
  }
}
