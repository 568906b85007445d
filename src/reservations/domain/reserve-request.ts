import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import { asLocationId, locationIdProblem, type LocationId } from "../../inventory/domain/location-id.js";
import { asSku, skuProblem, type Sku } from "../../inventory/domain/sku.js";
import { scopeProblem } from "./routing-rule.js";

/** Largest quantity one reservation may hold. */
export const MAX_RESERVATION_QUANTITY = 1_000_000_000;
/** Shortest time to live a reservation may ask for. */
export const MIN_TTL_MS = 1000;

/** A ReserveStock request as received, before validation. */
export interface ReserveStockInput {
  readonly sku: string;
  /** Empty: any location. */
  readonly locationId: string;
  readonly quantity: number;
  readonly orderReference: string;
  readonly idempotencyKey: string;
  /** Undefined: the default time to live. */
  readonly ttlMs: number | undefined;
  /** The sales channel; empty (or absent): none. Picks the routing rules. */
  readonly channel?: string;
  /** The region; empty (or absent): none. Picks the routing rules. */
  readonly region?: string;
}

/** Limits on a reservation's time to live. */
export interface TtlLimits {
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
}

/** Command: hold `quantity` of `sku` at `locationId` (or any location) for an order. */
export interface ReserveStock {
  readonly sku: Sku;
  /** Undefined: the service chooses the location. */
  readonly locationId: LocationId | undefined;
  readonly quantity: number;
  readonly orderReference: string;
  readonly idempotencyKey: string;
  /** The time to live that applies (the request's, or the default). */
  readonly ttlMs: number;
  /** The request's parameters in canonical form, to compare with a retry under the same key. */
  readonly fingerprint: string;
  /** Empty: none. */
  readonly channel: string;
  /** Empty: none. */
  readonly region: string;
}

/** Validates `input` into a command; throws `RESERVATION.INVALID_REQUEST` naming every bad field. */
export function parseReserveStock(input: ReserveStockInput, limits: TtlLimits): ReserveStock {
  const violations: FieldViolation[] = [];
  const skuIssue = skuProblem(input.sku);
  if (skuIssue) violations.push({ field: "sku", reason: skuIssue });
  const locationIssue = input.locationId === "" ? undefined : locationIdProblem(input.locationId);
  if (locationIssue) violations.push({ field: "location_id", reason: locationIssue });
  if (!Number.isSafeInteger(input.quantity) || input.quantity < 1 || input.quantity > MAX_RESERVATION_QUANTITY) {
    violations.push({ field: "quantity", reason: `must be a whole number from 1 to ${MAX_RESERVATION_QUANTITY}, got ${input.quantity}` });
  }
  const orderIssue = referenceProblem(input.orderReference, 128);
  if (orderIssue) violations.push({ field: "order_reference", reason: orderIssue });
  const keyIssue = idempotencyKeyProblem(input.idempotencyKey);
  if (keyIssue) violations.push({ field: "idempotency_key", reason: keyIssue });
  const ttlIssue = ttlProblem(input.ttlMs, limits.maxTtlMs);
  if (ttlIssue) violations.push({ field: "ttl", reason: ttlIssue });
  const channel = input.channel ?? "";
  const region = input.region ?? "";
  const channelIssue = scopeProblem(channel);
  if (channelIssue) violations.push({ field: "channel", reason: channelIssue });
  const regionIssue = scopeProblem(region);
  if (regionIssue) violations.push({ field: "region", reason: regionIssue });
  if (violations.length > 0) throw new ValidationError("RESERVATION.INVALID_REQUEST", violations);

  const locationId = input.locationId === "" ? undefined : asLocationId(input.locationId);
  return {
    sku: asSku(input.sku),
    locationId,
    quantity: input.quantity,
    orderReference: input.orderReference,
    idempotencyKey: input.idempotencyKey,
    ttlMs: input.ttlMs ?? limits.defaultTtlMs,
    // Channel and region join the fingerprint only when given, so keys of earlier requests still match.
    fingerprint: JSON.stringify([
      input.sku, locationId ?? "*", input.quantity, input.orderReference, input.ttlMs ?? "default",
      ...(channel !== "" || region !== "" ? [channel, region] : []),
    ]),
    channel,
    region,
  };
}

/** Why `ttlMs` is not an acceptable time to live, or undefined (unset is acceptable). */
export function ttlProblem(ttlMs: number | undefined, maxTtlMs: number): string | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isFinite(ttlMs) || ttlMs < MIN_TTL_MS || ttlMs > maxTtlMs) {
    return `must be from ${MIN_TTL_MS / 1000}s to ${maxTtlMs / 1000}s, got ${ttlMs / 1000}s`;
  }
  return undefined;
}

/** Why `value` is not a caller's reference (1 to `max` characters, no control characters), or undefined. */
export function referenceProblem(value: string, max: number): string | undefined {
  if (value === "") return "is required";
  if (value.length > max) return `must be at most ${max} characters, got ${value.length}`;
  if (/[\u0000-\u001f\u007f]/.test(value) || !value.isWellFormed()) return "must not contain control characters";
  return undefined;
}

/** Why `value` is not an idempotency key (1 to 255 visible ASCII characters), or undefined. */
export function idempotencyKeyProblem(value: string): string | undefined {
  if (value === "") return "is required";
  if (value.length > 255) return `must be at most 255 characters, got ${value.length}`;
  if (!/^[\x21-\x7e]+$/.test(value)) return "may contain only visible ASCII characters (no spaces), for example a UUID";
  return undefined;
}
