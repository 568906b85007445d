import type { ShortfallRegister } from "../../inventory/application/count-settlement.port.js";
import type { StockRepository } from "../../inventory/application/stock-repository.port.js";
import { shortfallOf } from "../../inventory/domain/shortfall.js";
import { quantitiesOf, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { RECONCILIATION_ACTOR, type AuditRecord } from "../domain/audit-entry.js";
import { differenceKey, type AutoResolution } from "../domain/record-comparison.js";
import { correctStock } from "../domain/stock-correction.js";
import type { AuditLog } from "./audit-log.port.js";
import type { ClosedDiscrepancy, DiscrepancyStore } from "./reconciliation-store.port.js";

/** The stores an auto-resolution writes, all in the run's transaction. */
export interface AutoResolutionStores {
  readonly stock: StockRepository;
  readonly discrepancies: DiscrepancyStore;
  readonly shortfalls: ShortfallRegister;
  readonly outbox: EventOutbox;
  readonly audit: AuditLog;
}

/** What the auto-resolutions did. */
export interface AutoResolved {
  readonly applied: number;
  /** Records that changed between the comparison and the lock: not touched (they count as in flight). */
  readonly movedOn: number;
  /** Applied corrections that left on_hand below reserved. */
  readonly shortfalls: number;
  readonly closed: readonly ClosedDiscrepancy[];
}

/**
 * Lets the WMS count win for mismatches within tolerance, through the domain like any stock change:
 * the records are locked (`FOR UPDATE`, key order), a record whose on_hand or version moved since
 * the comparison is left alone, the others get the count (version bump, watermark), a
 * `DiscrepancyAutoResolved` event, an auto-resolved discrepancy and an audit entry. A count below
 * reserved is a shortfall: recorded and announced by the existing shortfall path, never hidden.
 */
export async function applyAutoResolutions(
  tx: Transaction,
  stores: AutoResolutionStores,
  ids: IdGenerator,
  runId: number,
  resolutions: readonly AutoResolution[],
  at: Date,
): Promise<AutoResolved> {
  if (resolutions.length === 0) return { applied: 0, movedOn: 0, shortfalls: 0, closed: [] };
  const locked = await stores.stock.lockForUpdate(tx, resolutions);
  const unchanged = resolutions.filter((r) => {
    const level = locked.get(differenceKey(r));
    return level !== undefined && level.version === r.version && level.onHand === r.ours;
  });
  const closed = await stores.discrepancies.recordAutoResolved(tx, runId, unchanged, at);
  const corrected = unchanged.map((resolution, i) => {
    const before = locked.get(differenceKey(resolution))!;
    const discrepancyId = closed[i]!.id;
    const cause = {
      kind: "reconciliation" as const,
      runId,
      discrepancyId,
      snapshotObservedAt: resolution.observedAt,
      wmsCount: resolution.counted,
      tolerance: resolution.tolerance,
    };
    return { resolution, before, discrepancyId, ...correctStock(before, { onHand: resolution.theirs, observedAt: resolution.observedAt, cause }, at, ids) };
  });
  const levels = corrected.map((c) => c.level);
  const short = levels.flatMap((level) => shortfallOf(level) ?? []);
  await stores.stock.saveCounts(tx, levels);
  await stores.shortfalls.record(tx, short, levels.filter((level) => !shortfallOf(level)), at);
  await stores.outbox.append(tx, corrected.flatMap((c) => c.events));
  await stores.audit.append(
    tx,
    corrected.map((c) => auditRecord(runId, c.resolution, c.before, c.level, c.discrepancyId, c.events[0]!.eventId, at)),
  );
  return { applied: corrected.length, movedOn: resolutions.length - unchanged.length, shortfalls: short.length, closed };
}

function auditRecord(runId: number, r: AutoResolution, before: StockLevel, after: StockLevel, discrepancyId: number, eventId: string, at: Date): AuditRecord {
  return {
    actor: RECONCILIATION_ACTOR,
    action: "discrepancy_auto_resolved",
    sku: r.sku,
    locationId: r.locationId,
    before: stockState(before),
    after: stockState(after),
    reason: "WITHIN_TOLERANCE",
    note: "",
    requestId: "",
    details: { runId, discrepancyId, eventId, wmsCount: r.counted, tolerance: r.tolerance, snapshotObservedAt: r.observedAt.toISOString() },
    at,
  };
}

/** A record's state as the audit log keeps it. */
export function stockState(level: StockLevel): Record<string, number> {
  return { ...quantitiesOf(level), version: level.version };
}
