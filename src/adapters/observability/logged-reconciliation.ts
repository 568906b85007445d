import type { ClosedBy, ReconciliationObserver } from "../../reconciliation/application/reconciliation-observer.port.js";
import type { ClosedDiscrepancy } from "../../reconciliation/application/reconciliation-store.port.js";
import type { ReconciliationRun } from "../../reconciliation/application/reconciliation-run.js";
import type { DiscrepancyKind } from "../../reconciliation/domain/discrepancy.js";
import type { ReconciliationResult } from "../../reconciliation/domain/record-comparison.js";
import type { Logger } from "../../shared/logger.js";

/**
 * `observer` (the metrics) plus one line per finished reconciliation run, whoever started it: what
 * was compared, the discrepancy rate and what the run decided (auto-resolved within tolerance,
 * opened for an operator, cleared, in flight and not judged). The per-record decisions are in the
 * audit log lines (see `loggedAuditLog`) and in `ListDiscrepancies`.
 */
export function loggedReconciliation(observer: ReconciliationObserver, logger: Logger): ReconciliationObserver {
  return {
    runCompleted(run: ReconciliationRun, result: ReconciliationResult) {
      observer.runCompleted(run, result);
      logger.info({ runId: run.id, source: run.source, wmsId: run.wmsId, requestedBy: run.requestedBy, ...result }, "reconciliation run completed");
    },
    runFailed(run: ReconciliationRun, reason: string) {
      observer.runFailed(run, reason);
      logger.warn({ runId: run.id, source: run.source, wmsId: run.wmsId, requestedBy: run.requestedBy, reason }, "reconciliation run failed");
    },
    discrepanciesClosed: (closed: readonly ClosedDiscrepancy[], by: ClosedBy, at: Date) => observer.discrepanciesClosed(closed, by, at),
    openCounted: (open: Record<DiscrepancyKind, number>) => observer.openCounted(open),
    lastCompletedSeen: (at: Date) => observer.lastCompletedSeen(at),
  };
}
