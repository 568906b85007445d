import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { Discrepancy, DiscrepancyKind, DiscrepancyStatus } from "../domain/discrepancy.js";
import type { AutoResolution, ReconciliationResult, RecordDifference, SnapshotComparison } from "../domain/record-comparison.js";
import type { SnapshotCount } from "../domain/snapshot-count.js";
import type { NewRun, ReconciliationRun } from "./reconciliation-run.js";

/** Port: reconciliation runs and their staged snapshot lines. */
export interface RunStore {
  /** Creates a receiving run; undefined when it is a scheduled run whose day another replica already claimed. */
  create(run: NewRun): Promise<ReconciliationRun | undefined>;
  /**
   * Stages `counts` for the run (a record's later line replaces its earlier one) and returns the
   * distinct records staged; undefined when the run is not receiving.
   */
  addLines(runId: number, counts: readonly SnapshotCount[]): Promise<number | undefined>;
  get(runId: number): Promise<ReconciliationRun | undefined>;
  /** Up to `limit` runs with an id below `beforeId` (all when undefined), newest first. */
  list(beforeId: number | undefined, limit: number): Promise<ReconciliationRun[]>;
  /** Whether a scheduled run for `day` (YYYY-MM-DD) exists that did not fail: the day is claimed. */
  dayClaimed(day: string): Promise<boolean>;
  /** When the latest completed run finished (any replica's), or undefined when none ever completed. */
  lastCompletedAt(): Promise<Date | undefined>;
  /** Marks a receiving run failed and drops its lines. */
  fail(runId: number, failure: string, at: Date): Promise<void>;
  /**
   * In the run's transaction: serialises comparisons (one at a time across replicas) and locks the
   * run; undefined when it is not receiving (completed or failed meanwhile).
   */
  lockForComparison(tx: Transaction, runId: number): Promise<ReconciliationRun | undefined>;
  /** Compares the staged snapshot with stock, in sets (see the README's reconciliation rules). */
  compare(tx: Transaction, run: ReconciliationRun, shipmentSettleMs: number): Promise<SnapshotComparison>;
  /** Stores the result, marks the run completed and drops its lines. */
  complete(tx: Transaction, runId: number, result: ReconciliationResult, at: Date): Promise<ReconciliationRun>;
}

/** How a discrepancy is closed. */
export interface Closing {
  readonly status: Exclude<DiscrepancyStatus, "open">;
  readonly resolution: string;
  readonly resolvedBy: string;
  readonly note: string;
  readonly at: Date;
}

/** A discrepancy just closed, for the resolution-time metric. */
export interface ClosedDiscrepancy {
  readonly id: number;
  readonly kind: DiscrepancyKind;
  readonly firstSeenAt: Date;
}

/** Which discrepancies to list; every set filter must match. */
export interface DiscrepancyFilter {
  readonly status: DiscrepancyStatus | undefined;
  readonly kind: DiscrepancyKind | undefined;
  readonly sku: string | undefined;
  readonly runId: number | undefined;
}

/** Port: the `discrepancies` table as reconciliation writes and reads it. */
export interface DiscrepancyStore {
  /** Records auto-resolved count mismatches (closing an open one of the record, else a new row), in order. */
  recordAutoResolved(tx: Transaction, runId: number, resolutions: readonly AutoResolution[], at: Date): Promise<ClosedDiscrepancy[]>;
  /** Opens count mismatches above tolerance, or refreshes the record's open one; returns how many. */
  recordOpen(tx: Transaction, runId: number, differences: readonly RecordDifference[], at: Date): Promise<number>;
  /** Resolves open count mismatches of the run's snapshot records, except `differing` (which still differ or were not judged). */
  clearMatched(tx: Transaction, runId: number, differing: readonly StockRecordKey[], at: Date): Promise<ClosedDiscrepancy[]>;
  /** Closes the record's open count mismatch, and its open shortfall when `shortfallCleared`. */
  closeOpenOf(tx: Transaction, key: StockRecordKey, closing: Closing, shortfallCleared: boolean): Promise<ClosedDiscrepancy[]>;
  /** One discrepancy with its record's current stock. */
  get(id: number): Promise<Discrepancy | undefined>;
  /** The discrepancy, locked for the rest of `tx`. */
  lock(tx: Transaction, id: number): Promise<Discrepancy | undefined>;
  /** Closes a discrepancy locked in `tx` and returns it. */
  close(tx: Transaction, id: number, closing: Closing): Promise<Discrepancy>;
  /** Up to `limit` discrepancies with an id below `beforeId`, newest first, with the records' current stock. */
  list(filter: DiscrepancyFilter, beforeId: number | undefined, limit: number): Promise<Discrepancy[]>;
  /** Open discrepancies by kind. */
  countOpen(): Promise<Record<DiscrepancyKind, number>>;
}

/** Who owns a stock record, as an override must know before writing it. */
export interface RecordOwnership {
  /** Whether any record of the SKU exists. */
  readonly skuKnown: boolean;
  /** The record's strangler path; undefined when never routed (then this service owns it). */
  readonly path: "legacy" | "shadow" | "new" | undefined;
}

/** Port: the strangler route of a record. */
export interface StockOwnership {
  describe(tx: Transaction, key: StockRecordKey): Promise<RecordOwnership>;
}
