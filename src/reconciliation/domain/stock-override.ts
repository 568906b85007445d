import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import { asLocationId, DEFAULT_LOCATION, locationIdProblem, type LocationId } from "../../inventory/domain/location-id.js";
import { asSku, skuProblem, type Sku } from "../../inventory/domain/sku.js";
import { MAX_SNAPSHOT_QUANTITY } from "./snapshot-count.js";

/** Why an operator sets a count: a closed set, so overrides can be counted and reviewed by reason. */
export const OVERRIDE_REASONS = ["PHYSICAL_COUNT", "WMS_ERROR", "DAMAGE", "LOSS", "FOUND", "RECEIVING_ERROR", "WMS_COUNT_ACCEPTED"] as const;

/** One of {@link OVERRIDE_REASONS}. */
export type OverrideReason = (typeof OVERRIDE_REASONS)[number];

/** Longest operator note. */
export const MAX_NOTE_LENGTH = 1000;

/** Command: set the on_hand of one record to a counted value, if it is still `expectedOnHand`. */
export interface StockOverride {
  readonly sku: Sku;
  readonly locationId: LocationId;
  readonly countedOnHand: number;
  /** The on_hand the operator saw when deciding (compare-and-set). */
  readonly expectedOnHand: number;
  readonly reason: OverrideReason;
  readonly note: string;
}

/** An override request as received. */
export interface OverrideRequest {
  readonly sku: string;
  readonly locationId: string;
  readonly countedOnHand: bigint;
  readonly expectedOnHand: bigint | undefined;
  /** The reason's name, for example `PHYSICAL_COUNT`; undefined when none was given. */
  readonly reason: string | undefined;
  readonly note: string;
}

/** Checks an override request; throws `RECONCILIATION.INVALID_OVERRIDE` naming every bad field. */
export function checkOverride(request: OverrideRequest): StockOverride {
  const violations: FieldViolation[] = [];
  const sku = skuProblem(request.sku);
  if (sku) violations.push({ field: "sku", reason: sku });
  const location = request.locationId === "" ? undefined : locationIdProblem(request.locationId);
  if (location) violations.push({ field: "location_id", reason: location });
  if (request.countedOnHand < 0n || request.countedOnHand > MAX_SNAPSHOT_QUANTITY) {
    violations.push({ field: "counted_on_hand", reason: `must be from 0 to ${MAX_SNAPSHOT_QUANTITY}, got ${request.countedOnHand}` });
  }
  if (request.expectedOnHand === undefined) {
    violations.push({ field: "expected_on_hand", reason: "is required: the on_hand you saw (compare-and-set)" });
  } else if (request.expectedOnHand < 0n || request.expectedOnHand > MAX_SNAPSHOT_QUANTITY) {
    violations.push({ field: "expected_on_hand", reason: `must be from 0 to ${MAX_SNAPSHOT_QUANTITY}` });
  }
  const reason = OVERRIDE_REASONS.find((r) => r === request.reason);
  if (!reason) violations.push({ field: "reason", reason: `must be one of ${OVERRIDE_REASONS.join(", ")}` });
  const noteProblem = checkNote(request.note);
  if (noteProblem) violations.push(noteProblem);
  if (violations.length > 0 || !reason || request.expectedOnHand === undefined) throw new ValidationError("RECONCILIATION.INVALID_OVERRIDE", violations);
  return {
    sku: asSku(request.sku),
    locationId: request.locationId === "" ? DEFAULT_LOCATION : asLocationId(request.locationId),
    countedOnHand: Number(request.countedOnHand),
    expectedOnHand: Number(request.expectedOnHand),
    reason,
    note: request.note.trim(),
  };
}

/** The violation of an operator note (required, 1 to {@link MAX_NOTE_LENGTH} characters), or undefined. */
export function checkNote(note: string): FieldViolation | undefined {
  if (note.trim().length === 0 || note.length > MAX_NOTE_LENGTH) return { field: "note", reason: `is required, 1 to ${MAX_NOTE_LENGTH} characters` };
  return undefined;
}
