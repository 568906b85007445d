import type { FlagStates, FlagsSource, RouteDecision } from "./ingestion-path.js";

/** The names of the three flags that route ingestion. */
export interface RoutingFlagNames {
  readonly killSwitch: string;
  readonly cohort: string;
  readonly shadow: string;
}

/**
 * Decides the path of one stock record from its flag states. Rules, in order:
 * flags that cannot be evaluated → `legacy`; the kill switch on → `legacy`; the cohort flag on →
 * `new`; the shadow flag on → `shadow`; otherwise `legacy`. Legacy is always the safe answer.
 */
export function decideRoute(flags: FlagStates | undefined, names: RoutingFlagNames, source: FlagsSource): RouteDecision {
  if (!flags) return { path: "legacy", reason: "flags_unavailable", flags: undefined, flag: "", source };
  if (flags.killSwitch) return { path: "legacy", reason: "kill_switch", flags, flag: names.killSwitch, source };
  if (flags.cohort) return { path: "new", reason: "cohort_flag", flags, flag: names.cohort, source };
  if (flags.shadow) return { path: "shadow", reason: "shadow_flag", flags, flag: names.shadow, source };
  return { path: "legacy", reason: "no_flag", flags, flag: "", source };
}
