import type { BatchResult } from "./wms-batch.js";

/** Updates counted by what became of them, over many batches. */
export interface IngestionTally {
  readonly received: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  readonly rejected: number;
}

/** Nothing received yet. */
export const EMPTY_TALLY: IngestionTally = { received: 0, accepted: 0, duplicate: 0, stale: 0, rejected: 0 };

/** `tally` plus one batch's `result`. */
export function addResult(tally: IngestionTally, result: BatchResult): IngestionTally {
  return {
    received: tally.received + result.accepted + result.duplicate + result.stale + result.rejected,
    accepted: tally.accepted + result.accepted,
    duplicate: tally.duplicate + result.duplicate,
    stale: tally.stale + result.stale,
    rejected: tally.rejected + result.rejected,
  };
}
