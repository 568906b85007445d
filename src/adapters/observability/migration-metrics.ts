import { Counter, Gauge, type Registry } from "prom-client";
import type { FeatureFlags } from "../../migration/application/feature-flags.port.js";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import { mismatchRate, type CohortTally } from "../../migration/domain/shadow-comparison.js";

/** Metrics of the strangler migration, on the service's registry. Labels: path, cohort (a flag name); never a SKU. */
export class MigrationMetrics {
  private readonly routed: Counter<"path">;
  private readonly cutovers: Counter;
  private readonly rate: Gauge<"cohort">;
  private readonly compared: Gauge<"cohort">;
  private readonly mismatched: Gauge<"cohort">;

  constructor(registry: Registry, flags: FeatureFlags) {
    const registers = [registry];
    this.routed = new Counter({ name: "invsync_routed_updates_total", help: "WMS updates routed, by ingestion path (legacy, shadow, new).", labelNames: ["path"], registers });
    this.cutovers = new Counter({ name: "invsync_cutover_records_total", help: "Stock records that moved to the new path (seeded from their latest WMS count).", registers });
    this.rate = new Gauge({ name: "invsync_shadow_mismatch_rate", help: "Latest shadow comparison: mismatched / compared records, per cohort (shadow flag).", labelNames: ["cohort"], registers });
    this.compared = new Gauge({ name: "invsync_shadow_compared_records", help: "Latest shadow comparison: records compared, per cohort.", labelNames: ["cohort"], registers });
    this.mismatched = new Gauge({ name: "invsync_shadow_mismatched_records", help: "Latest shadow comparison: records whose shadow count differs from legacy, per cohort.", labelNames: ["cohort"], registers });
    new Gauge({
      name: "invsync_flags_ready",
      help: "1 when the routing flags can be evaluated; 0 means every SKU routes to legacy.",
      registers,
      collect() {
        this.set(flags.status().ready ? 1 : 0);
      },
    });
  }

  /** Counts routed updates per path and cut-over records. */
  routedUpdates(counts: Readonly<Record<IngestionPath, number>>, cutovers: number): void {
    for (const [path, n] of Object.entries(counts)) if (n > 0) this.routed.inc({ path }, n);
    if (cutovers > 0) this.cutovers.inc(cutovers);
  }

  /** Sets the gauges from a finished comparison. */
  comparisonFinished(tallies: readonly CohortTally[]): void {
    this.rate.reset();
    this.compared.reset();
    this.mismatched.reset();
    for (const tally of tallies) {
      this.rate.set({ cohort: tally.cohort }, mismatchRate(tally));
      this.compared.set({ cohort: tally.cohort }, tally.compared);
      this.mismatched.set({ cohort: tally.cohort }, tally.mismatched);
    }
  }
}
