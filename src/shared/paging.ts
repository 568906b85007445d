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
function isIdKey(key: string): boolean {
  return /^[1-9]\d{0,15}$/.test(key);
}

/** A page request over a listing ordered by id: the page size and the id it continues from. */
export interface IdPageRequest {
  readonly size: number;
  /** The last id of the previous page; undefined on the first page. */
  readonly after: number | undefined;
}

/** Reads `pageSize` and `pageToken` of a listing ordered by id, adding a violation for each bad one. */
export function idPageRequest(pageSize: number, pageToken: string, limits: PageSizeLimits, violations: FieldViolation[]): IdPageRequest {
  const size = pageSizeOf(pageSize, limits, violations);
  const after = decodePageToken(pageToken, isIdKey);
  if (after === null) violations.push({ field: "page_token", reason: "is not a token this service issued" });
  return { size, after: after ? Number(after) : undefined };
}

/** The page of `rows` (read with one row more than `size`) and the token of the next page (empty on the last). */
export function idPage<T extends { readonly id: number }>(rows: readonly T[], size: number): { readonly items: readonly T[]; readonly nextPageToken: string } {
  const items = rows.slice(0, size);
  return { items, nextPageToken: rows.length > size ? encodePageToken(String(items.at(-1)!.id)) : "" };
}
