import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ClosedBy, ReconciliationObserver } from "../../reconciliation/application/reconciliation-observer.port.js";
import type { ClosedDiscrepancy } from "../../reconciliation/application/reconciliation-store.port.js";
import type { ReconciliationRun } from "../../reconciliation/application/reconciliation-run.js";
import type { DiscrepancyKind } from "../../reconciliation/domain/discrepancy.js";
import type { ReconciliationResult } from "../../reconciliation/domain/record-comparison.js";

/**
 * Prometheus metrics of reconciliation, operator access and the audit log, on the service's
 * registry. Labels are bounded (kind, source, status, code); never a SKU.
 */
export class ReconciliationMetrics implements ReconciliationObserver {
  private readonly open: Gauge<"kind">;
  private readonly rate: Gauge;
  private readonly lastRun: Gauge;
  private readonly runs: Counter<"source" | "status">;
  private readonly runSeconds: Histogram;
  private readonly decided: Counter<"decision">;
  private readonly resolution: Histogram<"kind" | "by">;
  /** Operator calls refused by the access gate, by code. */
  readonly refused: Counter<"code">;
  /** Audit entries deleted by the retention job. */
  readonly pruned: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.open = new Gauge({ name: "invsync_discrepancies_open", help: "Open discrepancies by kind (count_mismatch waits for an operator; shortfall for stock).", labelNames: ["kind"] as const, registers });
    this.rate = new Gauge({ name: "invsync_discrepancy_rate", help: "Share of SKUs whose on_hand differed from the WMS snapshot in the last completed reconciliation run (gate: < 0.005).", registers });
    this.lastRun = new Gauge({ name: "invsync_reconciliation_last_completed_timestamp_seconds", help: "When the last reconciliation run of any replica completed (Unix seconds; 0 before the first run); alert ReconciliationNotRunning past 26 hours.", registers });
    this.runs = new Counter({ name: "invsync_reconciliation_runs_total", help: "Reconciliation runs finished, by snapshot source (api, file, pull) and status (completed, failed).", labelNames: ["source", "status"] as const, registers });
    this.runSeconds = new Histogram({ name: "invsync_reconciliation_duration_seconds", help: "How long a run's comparison and writes took.", buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers });
    this.decided = new Counter({ name: "invsync_reconciliation_mismatches_total", help: "Mismatches found by runs, by decision: auto_resolved (within tolerance) or opened (for an operator).", labelNames: ["decision"] as const, registers });
    this.resolution = new Histogram({
      name: "invsync_discrepancy_resolution_seconds",
      help: "From a discrepancy's first sighting to its closing, by kind and by whom (auto, operator, snapshot).",
      labelNames: ["kind", "by"] as const,
      buckets: [1, 60, 600, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400],
      registers,
    });
    this.refused = new Counter({ name: "invsync_operator_calls_refused_total", help: "Calls to operator endpoints refused by the access gate, by code.", labelNames: ["code"] as const, registers });
    this.pruned = new Counter({ name: "invsync_audit_entries_pruned_total", help: "Audit log entries deleted by the retention job (past AUDIT_RETENTION_DAYS).", registers });
  }

  runCompleted(run: ReconciliationRun, result: ReconciliationResult): void {
    this.runs.inc({ source: run.source, status: "completed" });
    this.rate.set(result.discrepancyRate);
    this.lastRun.set((run.finishedAt ?? new Date()).getTime() / 1000);
    this.runSeconds.observe(result.durationMs / 1000);
    this.decided.inc({ decision: "auto_resolved" }, result.autoResolved);
    this.decided.inc({ decision: "opened" }, result.opened);
  }

  runFailed(run: ReconciliationRun): void {
    this.runs.inc({ source: run.source, status: "failed" });
  }

  discrepanciesClosed(closed: readonly ClosedDiscrepancy[], by: ClosedBy, at: Date): void {
    for (const c of closed) this.resolution.observe({ kind: c.kind, by }, Math.max(0, (at.getTime() - c.firstSeenAt.getTime()) / 1000));
  }

  lastCompletedSeen(at: Date): void {
    this.lastRun.set(at.getTime() / 1000);
  }

  openCounted(open: Record<DiscrepancyKind, number>): void {
    for (const [kind, count] of Object.entries(open)) this.open.set({ kind }, count);
  }
}
