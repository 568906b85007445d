import type { EventRoute, FlagStates, RouteDecision } from "../../migration/domain/ingestion-path.js";

/** How a routing decision is stored in the `routing` jsonb columns (inbox, outbox, sku_routes). */
interface StoredRoute {
  reason: RouteDecision["reason"];
  flag: string;
  source: string;
  flags: FlagStates | null;
  cutover?: { from: string | null; seededFrom: string };
}

/** `route` as the JSON text of a `routing` column. */
export function storeRoute(route: EventRoute): string {
  const { decision, cutover } = route;
  const stored: StoredRoute = { reason: decision.reason, flag: decision.flag, source: decision.source, flags: decision.flags ?? null };
  if (cutover) stored.cutover = { from: cutover.from ?? null, seededFrom: cutover.seededFrom };
  return JSON.stringify(stored);
}

/** The route stored in a `path` and `routing` column pair; undefined when the row has none. */
export function readRoute(path: string | null, routing: unknown): EventRoute | undefined {
  if (path === null || routing === null) return undefined;
  const stored = (typeof routing === "string" ? JSON.parse(routing) : routing) as StoredRoute;
  const decision: RouteDecision = {
    path: path as RouteDecision["path"],
    reason: stored.reason,
    flags: stored.flags ?? undefined,
    flag: stored.flag ?? "",
    source: stored.source ?? "",
  };
  if (!stored.cutover) return { decision };
  const from = stored.cutover.from === null ? undefined : (stored.cutover.from as RouteDecision["path"]);
  return { decision, cutover: { from, seededFrom: stored.cutover.seededFrom as "inbox" | "shadow_projection" } };
}
