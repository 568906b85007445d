import { asLocationId, DEFAULT_LOCATION, locationIdProblem, type LocationId } from "../../inventory/domain/location-id.js";
import { asSku, skuProblem, type Sku } from "../../inventory/domain/sku.js";
import { ValidationError } from "../../shared/errors.js";
import type { UpdateRejection } from "../application/wms-batch.js";

/** The outcome of checking one field: its value in our terms, or why it was refused. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: UpdateRejection };

/** Largest quantity accepted in one record; anything above is a WMS fault, not stock. */
export const MAX_QUANTITY = 1_000_000_000_000;
/** Largest sequence PostgreSQL can store (bigint). */
const MAX_SEQUENCE = 2n ** 63n - 1n;
/** Counts observed before this are implausible (a zeroed or corrupted clock). */
const EARLIEST_OBSERVATION = Date.UTC(2000, 0, 1);
const WMS_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });

/** A batch's id (1 to 128 characters); a missing or oversized one fails the whole request. */
export function assertBatchId(field: string, value: string): void {
  if (value.length === 0 || value.length > 128) {
    throw new ValidationError("WMS.INVALID_BATCH", [{ field, reason: value.length === 0 ? "is required" : "must be at most 128 characters" }]);
  }
}
const refuse = (field: string, code: string, reason: string): Checked<never> => ({ ok: false, rejection: { field, code, reason } });

/** The WMS source id: 1 to 64 letters, digits, '.', '_' or '-'. */
export function checkWmsId(field: string, value: string): Checked<string> {
  if (value === "") return refuse(field, "WMS_ID_MISSING", "is required");
  if (!WMS_ID_PATTERN.test(value)) return refuse(field, "WMS_ID_MALFORMED", "must be 1 to 64 letters, digits, '.', '_' or '-'");
  return ok(value);
}

/** The source's update number: 1 or more (0 is what an absent number reads as). */
export function checkSequence(field: string, value: bigint): Checked<bigint> {
  if (value === 0n) return refuse(field, "SEQUENCE_MISSING", "is required and starts at 1");
  if (value < 0n || value > MAX_SEQUENCE) return refuse(field, "SEQUENCE_OUT_OF_RANGE", `must be between 1 and ${MAX_SEQUENCE}`);
  return ok(value);
}

/** The SKU, by the rules of {@link skuProblem}. */
export function checkSku(field: string, value: string): Checked<Sku> {
  if (value === "") return refuse(field, "SKU_MISSING", "is required");
  const problem = skuProblem(value);
  return problem ? refuse(field, "SKU_MALFORMED", problem) : ok(asSku(value));
}

/** The location; absent or empty means the default location. */
export function checkLocation(field: string, value: string | undefined): Checked<LocationId> {
  if (value === undefined || value === "") return ok(DEFAULT_LOCATION);
  const problem = locationIdProblem(value);
  return problem ? refuse(field, "LOCATION_MALFORMED", problem) : ok(asLocationId(value));
}

/** A unit count: present, finite, whole, 0 to {@link MAX_QUANTITY}. */
export function checkQuantity(field: string, value: number | undefined): Checked<number> {
  if (value === undefined) return refuse(field, "QUANTITY_MISSING", "is required");
  if (!Number.isFinite(value)) return refuse(field, "QUANTITY_NOT_FINITE", `must be a number, got ${value}`);
  if (!Number.isInteger(value)) return refuse(field, "QUANTITY_NOT_INTEGER", `must be a whole number, got ${value}`);
  if (value < 0) return refuse(field, "QUANTITY_NEGATIVE", `must be 0 or more, got ${value}`);
  if (value > MAX_QUANTITY) return refuse(field, "QUANTITY_TOO_LARGE", `must be at most ${MAX_QUANTITY}, got ${value}`);
  return ok(value === 0 ? 0 : value); // -0 reads as 0
}

/** When the WMS observed the count: present, after 2000, and not further ahead of `now` than the skew allowed. */
export function checkObservedAt(field: string, value: Date | undefined, now: Date, maxFutureSkewMs: number): Checked<Date> {
  if (value === undefined) return refuse(field, "OBSERVED_AT_MISSING", "is required");
  const time = value.getTime();
  if (Number.isNaN(time) || time < EARLIEST_OBSERVATION) {
    return refuse(field, "OBSERVED_AT_OUT_OF_RANGE", "must be a time after 2000-01-01T00:00:00Z");
  }
  if (time > now.getTime() + maxFutureSkewMs) {
    return refuse(
      field,
      "OBSERVED_AT_IN_FUTURE",
      `is ${Math.round((time - now.getTime()) / 1000)} s ahead of our clock; at most ${Math.round(maxFutureSkewMs / 1000)} s allowed`,
    );
  }
  return ok(value);
}
