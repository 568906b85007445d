/**
 * Which code owns a stock record's WMS updates during the strangler migration:
 * - `legacy`: handed on to the legacy integration unchanged; the new path writes nothing;
 * - `shadow`: handed on to legacy (the owner) and also computed into the shadow projection;
 * - `new`: applied to stock and published by the new path; legacy no longer receives them.
 */
export type IngestionPath = "legacy" | "shadow" | "new";

/** Every path, in rollout order. */
export const INGESTION_PATHS: readonly IngestionPath[] = ["legacy", "shadow", "new"];

/** Why a record took its path: the flag that decided it, or why no flag could. */
export type RouteReason = "kill_switch" | "cohort_flag" | "shadow_flag" | "no_flag" | "flags_unavailable";

/** The flags as evaluated for one SKU at one location. */
export interface FlagStates {
  /** The ingestion kill switch: on means the new path takes nothing (pauses it). */
  readonly killSwitch: boolean;
  /** The cohort flag: on puts the record on the new path. */
  readonly cohort: boolean;
  /** The shadow flag: on puts the record in shadow (dual processing). */
  readonly shadow: boolean;
}

/** Where the flags were read from, for example `bootstrap:flags/all-new.json` or `unleash`. */
export type FlagsSource = string;

/** The path of one stock record and the flag state that decided it (recorded on inbox rows and events). */
export interface RouteDecision {
  readonly path: IngestionPath;
  readonly reason: RouteReason;
  /** The flag states, or undefined when the flags could not be evaluated. */
  readonly flags: FlagStates | undefined;
  /** The name of the deciding flag; empty when none decided. */
  readonly flag: string;
  readonly source: FlagsSource;
}

/** Set on the event that seeded a record from its latest WMS count when it moved to the new path. */
export interface CutoverSeed {
  /** The path the record came from (undefined: never routed before). */
  readonly from: IngestionPath | undefined;
  /** Where the starting count was found. */
  readonly seededFrom: "shadow_projection" | "inbox";
}

/** What an event records of its routing: the decision, and the cutover seed when it was one. */
export interface EventRoute {
  readonly decision: RouteDecision;
  readonly cutover?: CutoverSeed;
}
