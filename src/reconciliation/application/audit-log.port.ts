import type { Transaction } from "../../shared/unit-of-work.js";
import type { AuditAction, AuditEntry, AuditRecord } from "../domain/audit-entry.js";

/** Which audit entries to list; every set filter must match. */
export interface AuditFilter {
  readonly sku: string | undefined;
  readonly locationId: string | undefined;
  readonly action: AuditAction | undefined;
  /** At or after. */
  readonly from: Date | undefined;
  /** Before. */
  readonly to: Date | undefined;
}

/**
 * Port: the append-only audit log. Entries are appended in the transaction of what they record;
 * nothing updates them, and only {@link AuditLog.prune} (the retention job) deletes.
 */
export interface AuditLog {
  /** Appends `records` in `tx`; returns their ids in order. */
  append(tx: Transaction, records: readonly AuditRecord[]): Promise<number[]>;
  /** Up to `limit` entries with an id above `afterId`, oldest first. */
  list(filter: AuditFilter, afterId: number, limit: number): Promise<AuditEntry[]>;
  /** Deletes up to `batchSize` entries older than `before`; returns how many. */
  prune(before: Date, batchSize: number): Promise<number>;
}
