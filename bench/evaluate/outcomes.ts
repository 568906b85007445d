import { recordKey } from "./simulated-day.js";

/** A reservation as a world made it (times in one clock: simulated or real ms, whichever the world uses). */
export interface MadeReservation {
  readonly id: string;
  readonly sku: string;
  readonly location: string;
  readonly quantity: number;
  readonly madeAt: number;
  /** When it was fulfilled, released or refused; undefined while active. */
  readonly closedAt: number | undefined;
  /** The pick found fewer units on the floor than it needed: refused at fulfilment. */
  readonly refusedAtPick: boolean;
}

/** A WMS count the world took in. */
export interface SeenCount {
  readonly sku: string;
  readonly location: string;
  readonly observedAt: number;
  readonly quantity: number;
}

/**
 * The reservations a WMS count found short, by the scorecard's rule (docs/evaluation.md#oversell-rate):
 * a count observed while a reservation was active (made at or before, closed after) showing fewer
 * units than the reservations then active on the record, taken oldest first up to and including it.
 */
export function foundShortByCounts(reservations: readonly MadeReservation[], counts: readonly SeenCount[]): Set<string> {
  const byRecord = new Map<string, MadeReservation[]>();
  for (const r of reservations) {
    const key = recordKey(r.sku, r.location);
    const list = byRecord.get(key);
    if (list) list.push(r);
    else byRecord.set(key, [r]);
  }
  for (const list of byRecord.values()) list.sort((a, b) => a.madeAt - b.madeAt || (a.id < b.id ? -1 : 1));
  const short = new Set<string>();
  for (const count of counts) {
    const list = byRecord.get(recordKey(count.sku, count.location));
    if (!list) continue;
    let promised = 0;
    for (const r of list) {
      if (r.madeAt > count.observedAt) break;
      if (r.closedAt !== undefined && r.closedAt <= count.observedAt) continue;
      promised += r.quantity;
      if (promised > count.quantity) short.add(r.id);
    }
  }
  return short;
}

/** The oversell figures of a world: reservations, found short (by a count or refused at the pick), per 1,000. */
export interface OversellOutcome {
  readonly reservations: number;
  readonly foundShortByCount: number;
  readonly refusedAtPick: number;
  /** Found short by a count or refused at the pick (each reservation once). */
  readonly oversold: number;
  readonly perThousand: number;
}

/** Oversell figures of `reservations` given the counts the world took in. */
export function oversellOutcome(reservations: readonly MadeReservation[], counts: readonly SeenCount[]): OversellOutcome & { readonly oversoldIds: Set<string> } {
  const byCount = foundShortByCounts(reservations, counts);
  const oversoldIds = new Set(byCount);
  let refused = 0;
  for (const r of reservations) {
    if (!r.refusedAtPick) continue;
    refused++;
    oversoldIds.add(r.id);
  }
  return {
    reservations: reservations.length,
    foundShortByCount: byCount.size,
    refusedAtPick: refused,
    oversold: oversoldIds.size,
    perThousand: reservations.length === 0 ? 0 : (oversoldIds.size * 1000) / reservations.length,
    oversoldIds,
  };
}

/** Nearest-rank percentile (as PostgreSQL's percentile_disc and the scorecard). */
export function percentile(values: readonly number[], fraction: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1];
}
