import type { FieldViolation } from "./errors.js";

/** Default and largest page size of a listing. */
export interface PageSizeLimits {
  readonly default: number;
  readonly max: number;
}

/** The page size to use for `requested` (0 means the default); a violation is added when it is out of range. */
export function pageSizeOf(requested: number, limits: PageSizeLimits, violations: FieldViolation[]): number {
  const pageSize = requested === 0 ? limits.default : requested;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > limits.max) {
    violations.push({ field: "page_size", reason: `must be between 1 and ${limits.max}, or 0 for ${limits.default}` });
  }
  return pageSize;
}

/** An opaque token that continues a listing after `after` (the last key of the page). */
export function encodePageToken(after: string): string {
  return Buffer.from(JSON.stringify({ a: after }), "utf8").toString("base64url");
}

/**
 * The key a token continues after: undefined for an empty token (the first page), null when the
 * token is not one this service issued or its key fails `isValidKey`.
 */
export function decodePageToken(token: string, isValidKey: (key: string) => boolean): string | undefined | null {
  if (token === "") return undefined;
  try {
    const after = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { a?: unknown } | null)?.a;
    return typeof after === "string" && isValidKey(after) ? after : null;
  } catch {
    return null;
  }
}

/** True when `key` is a positive whole-number id (the page key of listings ordered by id). */
export function isIdKey(key: string): boolean {
  return /^[1-9]\d{0,15}$/.test(key);
}
