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

/**
 * Query parameters that include arrays (bound as PostgreSQL arrays for `unnest`). knex's types do
 * not describe arrays with nulls; pg and PGlite both bind them.
 */
export function bindings(...values: unknown[]): readonly Knex.RawBinding[] {
  return values as Knex.RawBinding[];
}
