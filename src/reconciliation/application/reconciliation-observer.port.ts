import type { DiscrepancyKind } from "../domain/discrepancy.js";
import type { ReconciliationResult } from "../domain/record-comparison.js";
import type { ClosedDiscrepancy } from "./reconciliation-store.port.js";
import type { ReconciliationRun } from "./reconciliation-run.js";

/** How a discrepancy came to be closed, for the resolution-time metric. */
export type ClosedBy = "auto" | "operator" | "snapshot";

/** Port: what reconciliation reports to metrics. */
export interface ReconciliationObserver {
  runCompleted(run: ReconciliationRun, result: ReconciliationResult): void;
  /** `run` failed for `reason` (what its caller was told); nothing of it was kept. */
  runFailed(run: ReconciliationRun, reason: string): void;
  discrepanciesClosed(closed: readonly ClosedDiscrepancy[], by: ClosedBy, at: Date): void;
  openCounted(open: Record<DiscrepancyKind, number>): void;
  /** The latest completed run (of any replica) finished at `at`. */
  lastCompletedSeen(at: Date): void;
}

/** An observer that ignores everything (tests, benchmarks). */
export const ignoreReconciliation: ReconciliationObserver = {
  runCompleted: () => undefined,
  runFailed: () => undefined,
  discrepanciesClosed: () => undefined,
  openCounted: () => undefined,
  lastCompletedSeen: () => undefined,
};
