import { Gauge, type Registry } from "prom-client";
import type { MigrationScorecard } from "../../migration/application/migration-scorecard.js";
import { discrepancyShare, oversellPerThousand, type GateStatus } from "../../migration/domain/scorecard-gates.js";

const STATUSES: readonly GateStatus[] = ["pass", "fail", "no_baseline_yet", "no_data"];

/**
 * The migration scorecard as gauges (labels: gate, status, path, quantile; never a SKU or a cohort
 * beyond the flags), refreshed by {@link refresh} from the last 24 hours: the query reads a day of
 * the ledger, so it runs on a timer (`SCORECARD_REFRESH_SECONDS`), not per scrape.
 */
export class ScorecardMetrics {
  private readonly gate: Gauge<"gate" | "status">;
  private readonly freshness: Gauge<"path" | "quantile">;
  private readonly oversell: Gauge<"path">;
  private readonly discrepancy: Gauge;
  private readonly updated: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.gate = new Gauge({
      name: "invsync_migration_gate",
      help: "Migration gates over the last 24 h: 1 for the gate's current status (pass, fail, no_baseline_yet, no_data), 0 for the others.",
      labelNames: ["gate", "status"],
      registers,
    });
    this.freshness = new Gauge({
      name: "invsync_scorecard_freshness_seconds",
      help: "Freshness lag over the last 24 h (WMS observed_at to JetStream ack on new, to the legacy run on legacy and shadow), per path and quantile (0.5, 0.95, 0.99).",
      labelNames: ["path", "quantile"],
      registers,
    });
    this.oversell = new Gauge({
      name: "invsync_scorecard_oversell_per_thousand",
      help: "Reservations made in the last 24 h later found short, per 1,000 reservations, per path.",
      labelNames: ["path"],
      registers,
    });
    this.discrepancy = new Gauge({
      name: "invsync_scorecard_discrepancy_share",
      help: "Latest reconciliation run: new-path SKUs with an open or auto-resolved discrepancy / SKUs compared.",
      registers,
    });
    this.updated = new Gauge({ name: "invsync_scorecard_updated_timestamp_seconds", help: "When the scorecard gauges were last computed (Unix seconds).", registers });
  }

  /** Computes the scorecard of the last 24 hours and sets the gauges. */
  async refresh(scorecard: MigrationScorecard, now: Date): Promise<void> {
    const card = await scorecard.scorecard({ window: "last_24h", from: undefined, to: undefined, cohort: "" });
    for (const verdict of card.gates) for (const status of STATUSES) this.gate.set({ gate: verdict.name, status }, verdict.status === status ? 1 : 0);
    this.freshness.reset();
    for (const p of card.paths) {
      const f = p.freshness;
      for (const [quantile, ms] of [["0.5", f.medianMs], ["0.95", f.p95Ms], ["0.99", f.p99Ms]] as const) {
        if (ms !== undefined) this.freshness.set({ path: p.path, quantile }, ms / 1000);
      }
      this.oversell.set({ path: p.path }, oversellPerThousand(p.oversell));
      if (p.discrepancy) this.discrepancy.set(discrepancyShare(p.discrepancy));
    }
    this.updated.set(now.getTime() / 1000);
  }
}
