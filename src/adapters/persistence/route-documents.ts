import type { EventRoute } from "../../migration/domain/ingestion-path.js";
import { routeDocument, type StoredRoute } from "./route-json.js";
import { jsonRows } from "./row-values.js";

/**
 * The distinct routing documents of one statement, each serialised and sent once: rows carry the
 * position of theirs, and the statement reads it as `(?::jsonb) -> r.ri`. A batch has a handful of
 * distinct decisions among thousands of rows, so this saves serialising, sending and parsing the
 * same document per row (a third of an inbox row's JSON, a sixth of an event row's).
 */
export class RouteDocuments {
  private readonly positions = new Map<string, number>();
  private readonly documents: StoredRoute[] = [];

  /** The position of `route`'s document, added on first sight; null for no route. */
  position(route: EventRoute | undefined): number | null {
    if (!route) return null;
    const { decision: d, cutover: c } = route;
    const f = d.flags;
    const key = `${d.reason}|${d.flag}|${d.source}|${f ? `${f.killSwitch}${f.cohort}${f.shadow}` : "-"}|${c ? `${c.from}|${c.seededFrom}` : ""}`;
    let position = this.positions.get(key);
    if (position === undefined) {
      position = this.documents.push(routeDocument(route)) - 1;
      this.positions.set(key, position);
    }
    return position;
  }

  /** The documents as one JSON array, the statement's `?::jsonb` parameter. */
  toJson(): string {
    return jsonRows(this.documents);
  }
}
