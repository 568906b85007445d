import { UnavailableError, ValidationError } from "../../shared/errors.js";
import type { BatchIngestor } from "./wms-batch-ingestion.js";
import type { BatchResult, WmsBatch } from "./wms-batch.js";

/** Whether WMS updates are applied, as every replica reads it. */
export interface IngestionState {
  readonly paused: boolean;
  /** The operator's reason for the pause; empty when running. */
  readonly reason: string;
  /** When ingestion was last paused or resumed. */
  readonly changedAt: Date;
}

/** Port: the durable pause switch (one database row, so every replica sees it at once). */
export interface IngestionSwitch {
  /** The current state. */
  read(): Promise<IngestionState>;
  /** Sets the state and returns it. */
  write(paused: boolean, reason: string): Promise<IngestionState>;
}

/** Stable code of the error every ingestion path answers while paused. */
export const INGESTION_PAUSED = "WMS.INGESTION_PAUSED";

/** Use case: pause and resume ingestion, on every replica. */
export class IngestionControl {
  constructor(private readonly ingestionSwitch: IngestionSwitch) {}

  /** Pauses ingestion; `reason` (1 to 500 characters) is shown to the WMS and operators. */
  async pause(reason: string): Promise<IngestionState> {
    if (reason.trim().length === 0 || reason.length > 500) {
      throw new ValidationError("OPERATIONS.INVALID_PAUSE", [{ field: "reason", reason: "is required, 1 to 500 characters" }]);
    }
    return this.ingestionSwitch.write(true, reason.trim());
  }

  /** Resumes ingestion. */
  resume(): Promise<IngestionState> {
    return this.ingestionSwitch.write(false, "");
  }

  /** The current state. */
  state(): Promise<IngestionState> {
    return this.ingestionSwitch.read();
  }

  /** Throws {@link INGESTION_PAUSED} (Unavailable: retry later) while ingestion is paused. */
  async assertRunning(): Promise<void> {
    const state = await this.ingestionSwitch.read();
    if (state.paused) {
      throw new UnavailableError(INGESTION_PAUSED, `WMS ingestion is paused by an operator (${state.reason}); nothing was stored, retry later`);
    }
  }
}

/**
 * Every ingestion path (push, file, pull, replay, backfill) goes through this: while ingestion is
 * paused it refuses the batch before anything is stored, so nothing is lost and a retry after the
 * resume applies it.
 */
export class PausableIngestion implements BatchIngestor {
  constructor(
    private readonly control: IngestionControl,
    private readonly ingestion: BatchIngestor,
  ) {}

  async ingest(batch: WmsBatch): Promise<BatchResult> {
    await this.control.assertRunning();
    return this.ingestion.ingest(batch);
  }
}
