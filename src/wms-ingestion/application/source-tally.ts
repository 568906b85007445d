import type { MappedUpdate, WmsBatch } from "./wms-batch.js";

/** What became of one update of a batch. */
export type UpdateOutcome = "accepted" | "duplicate" | "stale" | "rejected";

/** One WMS source's updates in one batch, counted by outcome. */
export interface SourceTally {
  /** The source; `unknown` for rejected updates whose `wms_id` could not be read. */
  readonly wmsId: string;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  readonly rejected: number;
}

/** The source of `update` as far as it could be read. */
export function wmsIdOf(update: MappedUpdate): string {
  if (update.kind === "count") return update.count.origin.wmsId;
  if (update.kind === "movement") return update.movement.origin.wmsId;
  return update.identity.wmsId || "unknown";
}

/** Counts the updates of `batch` per source and outcome (`outcomeOf` tells each update's, by its index). */
export function tallyBySource(batch: WmsBatch, outcomeOf: (update: MappedUpdate) => UpdateOutcome): SourceTally[] {
  const tallies = new Map<string, Record<UpdateOutcome, number>>();
  for (const update of batch.updates) {
    const wmsId = wmsIdOf(update);
    let tally = tallies.get(wmsId);
    if (!tally) tallies.set(wmsId, (tally = { accepted: 0, duplicate: 0, stale: 0, rejected: 0 }));
    tally[outcomeOf(update)]++;
  }
  return [...tallies].map(([wmsId, tally]) => ({ wmsId, ...tally }));
}
