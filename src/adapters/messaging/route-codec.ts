import type { MessageInitShape } from "@bufbuild/protobuf";
import { IngestionPath, RouteReason, type CutoverSchema, type RoutingSchema } from "../../../gen/invsync/events/v1/routing_pb.js";
import type { EventRoute, IngestionPath as DomainPath, RouteDecision } from "../../migration/domain/ingestion-path.js";

/** Each domain path as its wire enum. */
export const PATHS: Record<DomainPath, IngestionPath> = {
  legacy: IngestionPath.LEGACY,
  shadow: IngestionPath.SHADOW,
  new: IngestionPath.NEW,
};

/** Each routing reason as its wire enum. */
export const REASONS: Record<RouteDecision["reason"], RouteReason> = {
  kill_switch: RouteReason.KILL_SWITCH,
  cohort_flag: RouteReason.COHORT_FLAG,
  shadow_flag: RouteReason.SHADOW_FLAG,
  no_flag: RouteReason.NO_FLAG,
  flags_unavailable: RouteReason.FLAGS_UNAVAILABLE,
};

/** The routing fields of `invsync.events.v1.InventoryEvent`. */
export interface RouteFields {
  readonly path?: IngestionPath;
  readonly routing?: MessageInitShape<typeof RoutingSchema>;
  readonly cutover?: MessageInitShape<typeof CutoverSchema>;
}

/** The `path`, `routing` and `cutover` fields of an event message; none when the change was not routed. */
export function routeFields(route: EventRoute | undefined): RouteFields {
  if (!route) return {};
  const { decision, cutover } = route;
  return {
    path: PATHS[decision.path],
    routing: {
      reason: REASONS[decision.reason],
      flag: decision.flag,
      flagsEvaluated: decision.flags !== undefined,
      killSwitch: decision.flags?.killSwitch ?? false,
      cohort: decision.flags?.cohort ?? false,
      shadow: decision.flags?.shadow ?? false,
      flagsSource: decision.source,
    },
    ...(cutover
      ? { cutover: { fromPath: cutover.from ? PATHS[cutover.from] : IngestionPath.UNSPECIFIED, seededFromShadow: cutover.seededFrom === "shadow_projection" } }
      : {}),
  };
}
