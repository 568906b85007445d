import type { Knex } from "knex";
import { KnexAuditLog } from "../adapters/persistence/knex-audit-log.js";
import { KnexDiscrepancies } from "../adapters/persistence/knex-discrepancies.js";
import { KnexIngestionSwitch } from "../adapters/persistence/knex-ingestion-switch.js";
import { KnexReconciliationRuns } from "../adapters/persistence/knex-reconciliation-runs.js";
import { KnexStockOwnership } from "../adapters/persistence/knex-stock-ownership.js";
import { KnexStockRepository } from "../adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "../adapters/persistence/knex-unit-of-work.js";
import type { ShortfallRegister } from "../inventory/application/count-settlement.port.js";
import type { EventOutbox } from "../outbox/event-outbox.port.js";
import type { AuditLog } from "../reconciliation/application/audit-log.port.js";
import { AuditRetention, AuditTrail } from "../reconciliation/application/audit-trail.js";
import { DiscrepancyReview } from "../reconciliation/application/discrepancy-review.js";
import type { ReconciliationObserver } from "../reconciliation/application/reconciliation-observer.port.js";
import { SnapshotReconciliation, type ReconciliationSettings } from "../reconciliation/application/snapshot-reconciliation.js";
import { StockOverrides } from "../reconciliation/application/stock-overrides.js";
import type { Clock } from "../shared/clock.js";
import { uuidV7Ids } from "../shared/ids.js";
import { IngestionControl } from "../wms-ingestion/application/ingestion-control.js";

/** The reconciliation use cases, wired to PostgreSQL (or PGlite). */
export interface ReconciliationUseCases {
  readonly runs: SnapshotReconciliation;
  readonly overrides: StockOverrides;
  readonly review: DiscrepancyReview;
  readonly audit: AuditTrail;
  readonly retention: AuditRetention;
  readonly discrepancies: KnexDiscrepancies;
}

/** What the use cases need besides the database. */
export interface ReconciliationWiring {
  readonly outbox: EventOutbox;
  /** The shortfall register of the count path (shared: one open shortfall per record). */
  readonly shortfalls: ShortfallRegister;
  readonly settings: ReconciliationSettings;
  readonly auditRetentionMs: number;
  readonly clock: Clock;
  readonly observer: ReconciliationObserver;
  /** Wraps the audit log (for example to log every entry); the log itself by default. */
  readonly auditLog?: (log: AuditLog) => AuditLog;
}

/**
 * Wires the reconciliation use cases on their stores (part of the composition root; also used by
 * adapter tests and the benchmark). Comparisons refuse while WMS ingestion is paused.
 */
export function reconciliationUseCases(knex: Knex, wiring: ReconciliationWiring): ReconciliationUseCases {
  const { outbox, shortfalls, clock, observer } = wiring;
  const unitOfWork = new KnexUnitOfWork(knex);
  const auditLog = (wiring.auditLog ?? ((log) => log))(new KnexAuditLog(knex));
  const discrepancies = new KnexDiscrepancies(knex);
  const stock = new KnexStockRepository(knex);
  const stores = { runs: new KnexReconciliationRuns(knex), discrepancies, stock, shortfalls, outbox, audit: auditLog };
  const gate = new IngestionControl(new KnexIngestionSwitch(knex));
  const overrides = new StockOverrides(unitOfWork, { ...stores, ownership: new KnexStockOwnership() }, clock, uuidV7Ids, observer);
  return {
    runs: new SnapshotReconciliation(unitOfWork, stores, gate, clock, uuidV7Ids, wiring.settings, observer),
    overrides,
    review: new DiscrepancyReview(unitOfWork, discrepancies, overrides, auditLog, clock, observer),
    audit: new AuditTrail(unitOfWork, auditLog),
    retention: new AuditRetention(auditLog, clock, wiring.auditRetentionMs),
    discrepancies,
  };
}
