import { seededRandom } from "../../bench/stats.js";
import type { Attempt } from "./wms-feed.js";

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A scenario's seeded randomness (one stream per purpose, so adding a draw elsewhere changes nothing here). */
export function scenarioRandom(seed: number, purpose: string): () => number {
  let hash = seed;
  for (const char of purpose) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return seededRandom(hash);
}

/**
 * Milliseconds from `since` until the WMS got its first acknowledgement for a batch it sent after
 * `since` (how long the fault kept WMS updates out), or undefined when none came.
 */
export function recoveryMs(attempts: readonly Attempt[], since: number): number | undefined {
  let first: number | undefined;
  for (const attempt of attempts) {
    if (attempt.status === 200 && attempt.at >= since) first = Math.min(first ?? Infinity, attempt.at + attempt.ms);
  }
  return first === undefined ? undefined : first - since;
}

/** Rounds to one decimal place for the figures. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
