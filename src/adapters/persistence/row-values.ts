import type { Knex } from "knex";

/** A timestamp column as a Date, whichever driver (pg or PGlite) read it. */
export function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

/**
 * `value` made storable in PostgreSQL text and jsonb: NUL characters and unpaired surrogates
 * (which PostgreSQL rejects) become U+FFFD, recursively. Everything else is kept as received.
 */
export function storableJson(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed().replace(/\u0000/g, "\uFFFD");
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storableJson(key) as string, storableJson(inner)]));
  }
  return value;
}

/** JSON escapes PostgreSQL refuses in json/jsonb and text: NUL, and UTF-16 surrogate halves. */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

/**
 * Rows as one JSON array, the parameter of a set-based statement
 * (`FROM json_to_recordset(?::json) AS r(col type, …)`). One native `JSON.stringify` costs far less
 * than binding one PostgreSQL array per column. Text PostgreSQL cannot store is made storable first
 * (see {@link storableJson}); the check is a native substring search of the JSON text.
 */
export function jsonRows(rows: readonly object[]): string {
  const json = JSON.stringify(rows);
  // JSON.stringify writes NUL and lone surrogates as \u escapes; most batches have no \u at all.
  return json.includes("\\u") && UNSTORABLE_ESCAPE.test(json) ? JSON.stringify(storableJson(rows)) : json;
}

/**
 * Query parameters that include arrays (bound as PostgreSQL arrays for `unnest`). knex's types do
 * not describe arrays with nulls; pg and PGlite both bind them.
 */
export function bindings(...values: unknown[]): readonly Knex.RawBinding[] {
  return values as Knex.RawBinding[];
}
