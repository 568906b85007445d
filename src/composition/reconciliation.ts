import type { Knex } from "knex";
import type { Registry } from "prom-client";
import { ReconciliationService } from "../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import type { DroppedFileHandler } from "../adapters/file-drop/file-drop-watcher.js";
import { isSnapshotFileName } from "../adapters/file-drop/snapshot-file.js";
import { byFileKind, snapshotDropHandler, snapshotFilesIn } from "../adapters/file-drop/snapshot-drop.js";
import { loggedAuditLog } from "../adapters/observability/logged-audit-log.js";
import { loggedReconciliation } from "../adapters/observability/logged-reconciliation.js";
import { ReconciliationMetrics } from "../adapters/observability/reconciliation-metrics.js";
import { BearerTokenAccess, type AccessGate } from "../adapters/rpc/operator-access.js";
import { reconciliationService } from "../adapters/rpc/reconciliation-service.js";
import { registerService, type RegisteredService } from "../adapters/rpc/registered-service.js";
import { guardService } from "../adapters/rpc/service-guard.js";
import { HttpSnapshotFeed } from "../adapters/wms-client/http-snapshot-feed.js";
import type { Config } from "../config/config.js";
import type { ShortfallRegister } from "../inventory/application/count-settlement.port.js";
import type { EventOutbox } from "../outbox/event-outbox.port.js";
import type { AuditTrail } from "../reconciliation/application/audit-trail.js";
import { DailyReconciliation } from "../reconciliation/application/daily-reconciliation.js";
import type { Clock } from "../shared/clock.js";
import type { Logger } from "../shared/logger.js";
import { PeriodicTask } from "../shared/periodic-task.js";
import { reconciliationUseCases } from "./reconciliation-use-cases.js";

/** Operator access, shared by every service: the gate, and the metrics it reports refusals to. */
export interface OperatorAccess {
  readonly access: AccessGate;
  readonly metrics: ReconciliationMetrics;
}

/** Builds the access gate from `OPERATOR_TOKENS` (warning when none is set: every operator call is then refused). */
export function operatorAccess(config: Config, registry: Registry, logger: Logger): OperatorAccess {
  const metrics = new ReconciliationMetrics(registry);
  const { operators } = config.reconciliation;
  if (operators.length === 0) logger.warn({}, "no OPERATOR_TOKENS set: every operator call (operations, migration, reconciliation) is refused with Unauthenticated");
  return { access: new BearerTokenAccess(operators, logger.child({ component: "access" }), (code) => metrics.refused.inc({ code })), metrics };
}

/** Reconciliation, wired: its service, background tasks, the audit trail and the snapshot file handler. */
export interface ReconciliationPart {
  readonly service: RegisteredService;
  /** The daily run (and open-discrepancy gauge) and the audit retention job. */
  readonly tasks: readonly PeriodicTask[];
  /** Where operator actions elsewhere (pause, resume, backfill, replay) are audited. */
  readonly audit: AuditTrail;
  /** Routes dropped snapshot files to reconciliation and the rest to `updates`. */
  dropHandler(updates: DroppedFileHandler): DroppedFileHandler;
}

/** Wires reconciliation (part of the composition root). */
export function composeReconciliation(
  knex: Knex,
  outbox: EventOutbox,
  shortfalls: ShortfallRegister,
  config: Config,
  operators: OperatorAccess,
  clock: Clock,
  logger: Logger,
): ReconciliationPart {
  const settings = config.reconciliation;
  const { dropDir, pullAuthHeader, pullMaxAttempts, pullTimeoutMs } = config.wmsIngress;
  const observer = loggedReconciliation(operators.metrics, logger);
  const useCases = reconciliationUseCases(knex, {
    outbox,
    shortfalls,
    settings: { tolerance: settings.tolerance, shipmentSettleMs: config.shipmentSettleMs, maxFutureSkewMs: config.maxFutureSkewMs, maxPageLines: settings.maxPageLines },
    auditRetentionMs: settings.auditRetentionMs,
    clock,
    observer,
    auditLog: (log) => loggedAuditLog(log, logger),
  });
  const feed = settings.snapshotUrl
    ? new HttpSnapshotFeed({
        url: settings.snapshotUrl,
        defaultWmsId: settings.snapshotWmsId,
        pageSize: settings.maxPageLines,
        authHeader: pullAuthHeader,
        maxAttempts: pullMaxAttempts,
        timeoutMs: pullTimeoutMs,
        backoffMs: 500,
      })
    : undefined;
  const files = dropDir ? snapshotFilesIn(dropDir, settings.maxPageLines) : undefined;
  const daily = new DailyReconciliation(useCases.runs, feed, useCases.discrepancies, observer, clock, settings.dailyAtMinute, logger);
  const impl = reconciliationService(useCases, { pull: feed, files });
  const snapshots = snapshotDropHandler(useCases.runs, settings.maxPageLines);
  return {
    service: registerService(ReconciliationService, guardService(ReconciliationService, impl, logger, operators.access)),
    tasks: [
      new PeriodicTask("daily reconciliation", settings.checkIntervalMs, () => daily.tick(), logger),
      new PeriodicTask("audit retention", settings.auditPruneIntervalMs, async () => operators.metrics.pruned.inc(await useCases.retention.prune()), logger),
    ],
    audit: useCases.audit,
    dropHandler: (updates) => byFileKind(snapshots, updates, isSnapshotFileName),
  };
}
