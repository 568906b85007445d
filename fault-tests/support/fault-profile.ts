/**
 * Which size of the fault scenarios runs: `short` (the default, inside `npm test`, within the CI
 * budget) or `full` (`npm run test:faults`, which sets `FAULTS_PROFILE=full`; `SCALE_PROFILE=full
 * npm run test:scale` for the scale suite alone).
 */
export type FaultProfile = "short" | "full";

/** The profile of this run. */
export const PROFILE: FaultProfile = process.env.FAULTS_PROFILE === "full" || process.env.SCALE_PROFILE === "full" ? "full" : "short";

/** `short` or `full`, whichever this run's profile is. */
export function byProfile<T>(short: T, full: T): T {
  return PROFILE === "full" ? full : short;
}

/** The seed of every scenario's randomness; `FAULTS_SEED` reproduces a failing run. */
export const SEED = Number(process.env.FAULTS_SEED ?? 20261201);
