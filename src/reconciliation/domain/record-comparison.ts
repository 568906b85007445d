import type { LocationId } from "../../inventory/domain/location-id.js";
import type { Sku } from "../../inventory/domain/sku.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import { toleranceFor, type Tolerance } from "./tolerance.js";

/** A record whose on_hand differs from the snapshot (or that was not judged: in flight). */
export interface RecordDifference {
  readonly sku: Sku;
  readonly locationId: LocationId;
  /** Our on_hand when compared. */
  readonly ours: number;
  /** The snapshot count net of local shipments it does not include yet (what on_hand should be). */
  readonly theirs: number;
  /** The snapshot count as sent. */
  readonly counted: number;
  readonly reserved: number;
  /** The record's version when compared: an auto-resolution applies only if it is unchanged. */
  readonly version: number;
  /** When the WMS counted the line. */
  readonly observedAt: Date;
}

/** What the set-based comparison of a snapshot with our stock found. */
export interface SnapshotComparison {
  /** Records judged: tracked by us and not in flight. */
  readonly recordsCompared: number;
  readonly skusCompared: number;
  /** Records a WMS update or an override observed after the snapshot line already changed. */
  readonly inFlight: readonly RecordDifference[];
  /** Snapshot lines of records we do not own (never seen, or on the legacy or shadow path). */
  readonly notTracked: number;
  /** Judged records whose on_hand differs from the snapshot. */
  readonly mismatches: readonly RecordDifference[];
}

/** A mismatch the WMS count settles without review, with the tolerance that allowed it. */
export interface AutoResolution extends RecordDifference {
  readonly tolerance: number;
}

/** The policy applied to mismatches. */
export interface MismatchDecision {
  /** Within tolerance: the WMS count wins (through the domain: locks, event, version). */
  readonly autoResolve: readonly AutoResolution[];
  /** Above tolerance: open, waiting for an operator. */
  readonly open: readonly RecordDifference[];
}

/** Splits mismatches by the tolerance policy (pure). */
export function decideMismatches(mismatches: readonly RecordDifference[], tolerance: Tolerance): MismatchDecision {
  const autoResolve: AutoResolution[] = [];
  const open: RecordDifference[] = [];
  for (const mismatch of mismatches) {
    const allowed = toleranceFor(mismatch.ours, tolerance);
    if (Math.abs(mismatch.theirs - mismatch.ours) <= allowed) autoResolve.push({ ...mismatch, tolerance: allowed });
    else open.push(mismatch);
  }
  return { autoResolve, open };
}

/** The run's figures, as reported and exported as metrics. */
export interface ReconciliationResult {
  readonly recordsCompared: number;
  readonly skusCompared: number;
  readonly inFlight: number;
  readonly notTracked: number;
  readonly mismatchedRecords: number;
  readonly mismatchedSkus: number;
  /** mismatchedSkus / skusCompared (0 when nothing was compared): the share of SKUs that disagree. */
  readonly discrepancyRate: number;
  readonly autoResolved: number;
  readonly opened: number;
  readonly cleared: number;
  readonly shortfalls: number;
  readonly durationMs: number;
}

/** What the run did with its decision. */
export interface RunOutcome {
  readonly autoResolved: number;
  /** Auto-resolutions not applied: the record changed between comparison and lock (counted as in flight). */
  readonly movedOn: number;
  readonly opened: number;
  readonly cleared: number;
  readonly shortfalls: number;
  readonly durationMs: number;
}

/** The run's result from its comparison and what was done. */
export function summariseRun(comparison: SnapshotComparison, outcome: RunOutcome): ReconciliationResult {
  const mismatchedSkus = new Set(comparison.mismatches.map((m) => m.sku)).size;
  return {
    recordsCompared: comparison.recordsCompared,
    skusCompared: comparison.skusCompared,
    inFlight: comparison.inFlight.length + outcome.movedOn,
    notTracked: comparison.notTracked,
    mismatchedRecords: comparison.mismatches.length,
    mismatchedSkus,
    discrepancyRate: comparison.skusCompared === 0 ? 0 : mismatchedSkus / comparison.skusCompared,
    autoResolved: outcome.autoResolved,
    opened: outcome.opened,
    cleared: outcome.cleared,
    shortfalls: outcome.shortfalls,
    durationMs: outcome.durationMs,
  };
}

/** The key of a difference's record. */
export function differenceKey(difference: Pick<RecordDifference, "sku" | "locationId">): string {
  return stockKey(difference.sku, difference.locationId);
}
