import type { StockLevel } from "../../inventory/domain/stock-level.js";
import { stockKey } from "../../inventory/domain/stock-level.js";

/** One shadow record to compare, with the cohort (deciding flag) it belongs to. */
export interface ShadowRecord {
  readonly level: StockLevel;
  readonly cohort: string;
}

/** A shadow record whose count disagrees with legacy: both values, kept as evidence. */
export interface Mismatch {
  readonly sku: string;
  readonly locationId: string;
  readonly cohort: string;
  readonly shadowOnHand: number;
  /** Undefined when legacy has no count for the record at all. */
  readonly legacyOnHand: number | undefined;
  readonly shadowWmsId: string | undefined;
  readonly shadowSequence: bigint | undefined;
}

/** Per cohort: records compared, mismatched, and left out because legacy has not run over them yet. */
export interface CohortTally {
  readonly cohort: string;
  readonly compared: number;
  readonly mismatched: number;
  readonly inFlight: number;
}

/** The outcome of comparing shadow records with legacy counts. */
export interface ShadowComparison {
  readonly tallies: readonly CohortTally[];
  readonly mismatches: readonly Mismatch[];
}

/**
 * Compares shadow counts with legacy counts. A record handed to legacy after its last run
 * (`inFlight`) is not judged: legacy has not seen its newest update yet. Every other record counts
 * as compared, and as mismatched when legacy's on-hand differs or is missing.
 *
 * @param legacy legacy on-hand by {@link stockKey}
 * @param inFlight keys (by {@link stockKey}) with updates legacy has not run over yet
 */
export function compareShadow(
  shadow: readonly ShadowRecord[],
  legacy: ReadonlyMap<string, number>,
  inFlight: ReadonlySet<string>,
): ShadowComparison {
  const tallies = new Map<string, { compared: number; mismatched: number; inFlight: number }>();
  const mismatches: Mismatch[] = [];
  for (const { level, cohort } of shadow) {
    const tally = tallies.get(cohort) ?? { compared: 0, mismatched: 0, inFlight: 0 };
    tallies.set(cohort, tally);
    const key = stockKey(level.sku, level.locationId);
    if (inFlight.has(key)) {
      tally.inFlight++;
      continue;
    }
    tally.compared++;
    const legacyOnHand = legacy.get(key);
    if (legacyOnHand === level.onHand) continue;
    tally.mismatched++;
    mismatches.push({
      sku: level.sku,
      locationId: level.locationId,
      cohort,
      shadowOnHand: level.onHand,
      legacyOnHand,
      shadowWmsId: level.watermark?.wmsId,
      shadowSequence: level.watermark?.sequence,
    });
  }
  return { tallies: [...tallies].map(([cohort, t]) => ({ cohort, ...t })), mismatches };
}

/** Merges tallies of the same cohort (a comparison runs page by page). */
export function mergeTallies(tallies: readonly CohortTally[]): CohortTally[] {
  const merged = new Map<string, CohortTally>();
  for (const t of tallies) {
    const m = merged.get(t.cohort);
    merged.set(t.cohort, m ? { cohort: t.cohort, compared: m.compared + t.compared, mismatched: m.mismatched + t.mismatched, inFlight: m.inFlight + t.inFlight } : t);
  }
  return [...merged.values()];
}

/** Mismatched over compared, 0 when nothing was compared. */
export function mismatchRate(tally: Pick<CohortTally, "compared" | "mismatched">): number {
  return tally.compared === 0 ? 0 : tally.mismatched / tally.compared;
}
