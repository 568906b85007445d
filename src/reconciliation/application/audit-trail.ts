import type { Clock } from "../../shared/clock.js";
import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import { idPage, idPageRequest } from "../../shared/paging.js";
import type { UnitOfWork } from "../../shared/unit-of-work.js";
import { locationIdProblem } from "../../inventory/domain/location-id.js";
import { skuProblem } from "../../inventory/domain/sku.js";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditRecord } from "../domain/audit-entry.js";
import type { AuditLog } from "./audit-log.port.js";

/** A listing request as received. */
export interface AuditQuery {
  readonly sku: string;
  readonly locationId: string;
  readonly action: string;
  readonly from: Date | undefined;
  readonly to: Date | undefined;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** One page of the audit log. */
export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly nextPageToken: string;
}

const PAGE_SIZE = { default: 100, max: 1000 } as const;

/**
 * Use case: the audit log. Actions on stock append their entry inside their own transaction (see
 * the other use cases); operator actions on ingestion (pause, resume, replay, backfill) append
 * through {@link AuditTrail.record}. Reading is by SKU (and location, action) and time, oldest first.
 */
export class AuditTrail {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly log: AuditLog,
  ) {}

  /** Appends one entry in a transaction of its own; returns its id. */
  async record(record: AuditRecord): Promise<number> {
    const [id] = await this.unitOfWork.run((tx) => this.log.append(tx, [record]));
    return id!;
  }

  /** One page of entries matching `query`. */
  async list(query: AuditQuery): Promise<AuditPage> {
    const violations: FieldViolation[] = [];
    const page = idPageRequest(query.pageSize, query.pageToken, PAGE_SIZE, violations);
    const sku = query.sku === "" ? undefined : skuProblem(query.sku);
    if (sku) violations.push({ field: "sku", reason: sku });
    const location = query.locationId === "" ? undefined : locationIdProblem(query.locationId);
    if (location) violations.push({ field: "location_id", reason: location });
    const action = AUDIT_ACTIONS.find((a) => a === query.action);
    if (query.action !== "" && !action) violations.push({ field: "action", reason: `must be one of ${AUDIT_ACTIONS.join(", ")}` });
    if (query.from && query.to && query.from >= query.to) violations.push({ field: "to", reason: "must be after from" });
    if (violations.length > 0) throw new ValidationError("RECONCILIATION.INVALID_AUDIT_QUERY", violations);
    const filter = {
      sku: query.sku || undefined,
      locationId: query.locationId || undefined,
      action: action as AuditAction | undefined,
      from: query.from,
      to: query.to,
    };
    const { items, nextPageToken } = idPage(await this.log.list(filter, page.after ?? 0, page.size + 1), page.size);
    return { entries: items, nextPageToken };
  }
}

/**
 * Use case: the retention job, the only thing that deletes audit entries: those older than the
 * retention period, in batches (short transactions), until none is left. Safe on several replicas.
 */
export class AuditRetention {
  constructor(
    private readonly log: AuditLog,
    private readonly clock: Clock,
    private readonly retentionMs: number,
    private readonly batchSize = 10_000,
  ) {}

  /** Deletes what is past retention; returns how many entries went. */
  async prune(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.retentionMs);
    let total = 0;
    for (;;) {
      const deleted = await this.log.prune(before, this.batchSize);
      total += deleted;
      if (deleted < this.batchSize) return total;
    }
  }
}
