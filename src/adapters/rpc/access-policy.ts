import { ConsoleService } from "../../../gen/invsync/console/v1/console_service_pb.js";
import { ReconciliationService } from "../../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { MigrationService } from "../../../gen/invsync/migration/v1/migration_service_pb.js";
import { OperationsService } from "../../../gen/invsync/operations/v1/operations_service_pb.js";

/** Operator roles: viewers read, operators read and write. */
export type OperatorRole = "viewer" | "operator";

/**
 * The role each method of the operator services needs, keyed by service and method. Services not
 * listed are not operator endpoints (the WMS-facing contracts are signed; inventory and reservation
 * calls come from our own services) and need no operator credential. A method of a listed service
 * that is missing here needs `operator` (fail closed).
 */
export const ACCESS_POLICY: Readonly<Record<string, Readonly<Record<string, OperatorRole>>>> = {
  [OperationsService.typeName]: {
    PauseIngestion: "operator",
    ResumeIngestion: "operator",
    GetIngestionStatus: "viewer",
    ListGaps: "viewer",
    Backfill: "operator",
    Replay: "operator",
  },
  [MigrationService.typeName]: {
    GetCohortStatus: "viewer",
    CompareShadow: "operator",
    ListMismatches: "viewer",
  },
  [ReconciliationService.typeName]: {
    BeginSnapshot: "operator",
    AddSnapshotCounts: "operator",
    CompleteSnapshot: "operator",
    RunReconciliation: "operator",
    GetReconciliationRun: "viewer",
    ListReconciliationRuns: "viewer",
    ListDiscrepancies: "viewer",
    ResolveDiscrepancy: "operator",
    DismissDiscrepancy: "operator",
    OverrideStockCount: "operator",
    ListAuditEntries: "viewer",
  },
  [ConsoleService.typeName]: {
    DescribeStock: "viewer",
  },
};

/** The role `service`/`method` needs, or undefined when it is not an operator endpoint. */
export function requiredRole(service: string, method: string): OperatorRole | undefined {
  const methods = ACCESS_POLICY[service];
  if (!methods) return undefined;
  return methods[method] ?? "operator";
}
