/**
 * A stock location (warehouse, zone, store). Same character rules as a SKU. Updates that name no
 * location apply to {@link DEFAULT_LOCATION}.
 */
export type LocationId = string & { readonly __brand: "LocationId" };

/** The location used when the WMS names none. */
export const DEFAULT_LOCATION = "default" as LocationId;

const LOCATION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Why `value` is not a valid location id, or undefined when it is. */
export function locationIdProblem(value: string): string | undefined {
  if (value.length > 64) return `must be at most 64 characters, got ${value.length}`;
  if (!LOCATION_PATTERN.test(value)) {
    return "may contain only letters, digits, '.', '_' and '-'";
  }
  return undefined;
}

/** `value` as a LocationId; the caller has checked `locationIdProblem(value)` is undefined. */
export function asLocationId(value: string): LocationId {
  return value as LocationId;
}
