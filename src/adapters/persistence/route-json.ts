import type { EventRoute, FlagStates, RouteDecision } from "../../migration/domain/ingestion-path.js";

/** How a routing decision is stored in the `routing` jsonb columns (inbox, outbox, sku_routes). */
export interface StoredRoute {
  reason: RouteDecision["reason"];
  flag: string;
  source: string;
  flags: FlagStates | null;
  cutover?: { from: string | null; seededFrom: string };
}

/** `route` as the document of a `routing` column. */
export function routeDocument(route: EventRoute): StoredRoute {
  const { decision, cutover } = route;
  const stored: StoredRoute = { reason: decision.reason, flag: decision.flag, source: decision.source, flags: decision.flags ?? null };
  if (cutover) stored.cutover = { from: cutover.from ?? null, seededFrom: cutover.seededFrom };
  return stored;
}
