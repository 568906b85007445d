import type { AuditLog } from "../../reconciliation/application/audit-log.port.js";
import type { AuditRecord } from "../../reconciliation/domain/audit-entry.js";
import type { Logger } from "../../shared/logger.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { onCommit } from "../persistence/knex-unit-of-work.js";

/**
 * The audit log, plus one info line per committed entry: every override, resolution, dismissal and
 * auto-resolution of a discrepancy, every pause, resume, replay and backfill, each with who did it
 * (`actor`, `role`), the record, before and after, `reason`, the operator's `note` and `requestId`.
 * The message is the action in words (`stock overridden`, `discrepancy dismissed`, …).
 */
export function loggedAuditLog(audit: AuditLog, logger: Logger): AuditLog {
  return {
    async append(tx: Transaction, records: readonly AuditRecord[]): Promise<number[]> {
      const ids = await audit.append(tx, records);
      onCommit(tx, () => records.forEach((record, i) => logger.info(auditFields(record, ids[i]), record.action.replace(/_/g, " "))));
      return ids;
    },
    list: (filter, afterId, limit) => audit.list(filter, afterId, limit),
    prune: (before, batchSize) => audit.prune(before, batchSize),
  };
}

function auditFields(record: AuditRecord, auditId: number | undefined): Record<string, unknown> {
  const { actor, action, sku, locationId, before, after, reason, note, requestId, details } = record;
  return { auditId, action, actor: actor.name, role: actor.role, sku, locationId, before, after, reason, note, ...(requestId ? { requestId } : {}), details };
}
