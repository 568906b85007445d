/** Small statistics helpers for the benchmark's figures. */

/** The `q`-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  return quantileOfSorted(Float64Array.from(values).sort(), q);
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * p50, p99 and max of `values`. Sorted once, never spread into `Math.max` (a minute of saturation
 * yields over a million latencies, more arguments than a call can take).
 */
export function summary(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(values).sort();
  return { p50: quantileOfSorted(sorted, 0.5), p99: quantileOfSorted(sorted, 0.99), max: quantileOfSorted(sorted, 1) };
}

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same workload. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds for display. */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
