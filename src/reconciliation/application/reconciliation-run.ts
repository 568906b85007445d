import type { ReconciliationResult } from "../domain/record-comparison.js";

/** How a run received its snapshot. */
export type SnapshotSourceKind = "api" | "file" | "pull";

/** Where a run stands: receiving lines, completed (compared), or failed (nothing of it kept). */
export type RunStatus = "receiving" | "completed" | "failed";

/** A run about to start. */
export interface NewRun {
  readonly source: SnapshotSourceKind;
  readonly wmsId: string;
  /** The caller's name for the snapshot, or the file name. */
  readonly snapshotRef: string;
  /** When the WMS took the snapshot; lines without a time of their own were counted then. */
  readonly takenAt: Date;
  /** The snapshot lists every record of the locations it names: records it leaves out count as 0. */
  readonly complete: boolean;
  /** The operator, or `system:schedule`. */
  readonly requestedBy: string;
  /** The day (YYYY-MM-DD, UTC) of a scheduled run: one run per day, whichever replica claims it. */
  readonly scheduledFor: string | undefined;
}

/** A reconciliation run as stored. */
export interface ReconciliationRun extends NewRun {
  readonly id: number;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly finishedAt: Date | undefined;
  /** Distinct records received. */
  readonly lines: number;
  readonly result: ReconciliationResult | undefined;
  readonly failure: string;
}
