import { FailedPreconditionError, ValidationError, type FieldViolation } from "../../shared/errors.js";
import type { FileReport } from "./file-ingestion.js";
import type { IngestionControl } from "./ingestion-control.js";
import { EMPTY_TALLY, type IngestionTally } from "./ingestion-tally.js";
import type { WmsPull } from "./wms-pull.js";

/** A range to backfill from the WMS pull endpoint. */
export interface BackfillRange {
  readonly wmsId: string;
  /** First sequence (inclusive); 0 from the start. */
  readonly fromSequence: bigint;
  /** Last sequence (inclusive); 0 up to the newest. */
  readonly toSequence: bigint;
  readonly fromTime: Date | undefined;
  readonly toTime: Date | undefined;
}

const WMS_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Use case: backfill after an outage, from the WMS (a sequence and/or time range, pulled) or from a
 * file in the drop folder. Both go through normal ingestion, so what was already received is a
 * duplicate and changes nothing. Refused (Unavailable) while ingestion is paused: resume first.
 */
export class Backfill {
  constructor(
    private readonly pull: WmsPull,
    private readonly ingestFile: ((path: string) => Promise<FileReport>) | undefined,
    private readonly control: IngestionControl,
  ) {}

  /** Pulls `range` from the WMS. */
  async fromWms(range: BackfillRange): Promise<IngestionTally> {
    const violations: FieldViolation[] = [];
    if (!WMS_ID.test(range.wmsId)) violations.push({ field: "pull.wms_id", reason: "is required: 1 to 64 letters, digits, '.', '_' or '-'" });
    if (range.toSequence !== 0n && range.toSequence < range.fromSequence) violations.push({ field: "pull.to_sequence", reason: "must be at or above from_sequence" });
    if (range.fromTime && range.toTime && range.fromTime >= range.toTime) violations.push({ field: "pull.to_time", reason: "must be after from_time" });
    if (violations.length > 0) throw new ValidationError("OPERATIONS.INVALID_BACKFILL", violations);
    await this.control.assertRunning();
    return this.pull.pullRange({
      wmsId: range.wmsId,
      afterSequence: range.fromSequence > 0n ? range.fromSequence - 1n : 0n,
      toSequence: range.toSequence === 0n ? undefined : range.toSequence,
      fromTime: range.fromTime,
      toTime: range.toTime,
    });
  }

  /** Ingests the file at `path` (relative to the drop folder). */
  async fromFile(path: string): Promise<IngestionTally> {
    if (!this.ingestFile) throw new FailedPreconditionError("OPERATIONS.FILE_DROP_NOT_CONFIGURED", "no drop folder is configured (set WMS_DROP_DIR)");
    await this.control.assertRunning();
    const report = await this.ingestFile(path);
    if (report.status === "failed") throw new FailedPreconditionError("OPERATIONS.FILE_FAILED", `${report.fileName}: ${report.note}`);
    return report.status === "duplicate" ? EMPTY_TALLY : report.outcome;
  }
}
