/**
 * Typed errors with stable codes. Domain and application code throw these; only `adapters/rpc`
 * and `adapters/http` turn them into wire errors (see `adapters/rpc/error-mapping.ts`).
 */

/** The closed set of failure kinds; each maps to one Connect / gRPC code. */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "failed_precondition"
  | "aborted"
  | "already_exists"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted"
  | "unavailable";

/** One invalid field of a request: where it is and what is wrong with it. */
export interface FieldViolation {
  /** Path of the field in the request, for example `updates[3].sku`. */
  readonly field: string;
  /** What is wrong with it, in words for the caller. */
  readonly reason: string;
}

/** Base class of every error the service reports to callers on purpose. */
export class InventorySyncError extends Error {
  /** Stable machine-readable code, for example `INVENTORY.NOT_FOUND`. */
  readonly code: string;
  /** The kind of failure, which decides the wire status. */
  readonly kind: ErrorKind;
  /** Invalid fields, when the error is about input. */
  readonly violations: readonly FieldViolation[];
  /** Facts about the failure for machines, for example `{ sku, requested, available }`. */
  readonly metadata: Readonly<Record<string, string>>;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options: { violations?: readonly FieldViolation[]; metadata?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "InventorySyncError";
    this.kind = kind;
    this.code = code;
    this.violations = options.violations ?? [];
    this.metadata = options.metadata ?? {};
  }
}

/** The request is malformed: one or more fields break the contract. */
export class ValidationError extends InventorySyncError {
  constructor(code: string, violations: readonly FieldViolation[]) {
    super("invalid_argument", code, describeViolations(violations), { violations });
    this.name = "ValidationError";
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends InventorySyncError {
  constructor(code: string, message: string) {
    super("not_found", code, message);
    this.name = "NotFoundError";
  }
}

/** The request is valid but the state of the system does not allow it (for example not enough stock). */
export class PreconditionError extends InventorySyncError {
  constructor(code: string, message: string, metadata: Record<string, string> = {}) {
    super("failed_precondition", code, message, { metadata });
    this.name = "PreconditionError";
  }
}

/** The request would create something that already exists differently (for example a reused idempotency key). */
export class AlreadyExistsError extends InventorySyncError {
  constructor(code: string, message: string, options: { violations?: readonly FieldViolation[]; metadata?: Record<string, string> } = {}) {
    super("already_exists", code, message, options);
    this.name = "AlreadyExistsError";
  }
}

/** True when `error` is one of ours (safe to show to callers). */
export function isInventorySyncError(error: unknown): error is InventorySyncError {
  return error instanceof InventorySyncError;
}

function describeViolations(violations: readonly FieldViolation[]): string {
  const shown = violations.slice(0, 5).map((v) => `${v.field}: ${v.reason}`);
  const more = violations.length > 5 ? ` (and ${violations.length - 5} more)` : "";
  return `invalid request: ${shown.join("; ")}${more}`;
}

/** The caller is not who it must be (for example an unsigned or badly signed WMS request). */
export class UnauthenticatedError extends InventorySyncError {
  constructor(code: string, message: string) {
    super("unauthenticated", code, message);
    this.name = "UnauthenticatedError";
  }
}

/** The service cannot take this now; the caller should retry later (for example while ingestion is paused). */
export class UnavailableError extends InventorySyncError {
  constructor(code: string, message: string) {
    super("unavailable", code, message);
    this.name = "UnavailableError";
  }
}

/** The request is valid but the system is not in a state to carry it out. */
export class FailedPreconditionError extends InventorySyncError {
  constructor(code: string, message: string) {
    super("failed_precondition", code, message);
    this.name = "FailedPreconditionError";
  }
}

/** The caller's view is out of date (compare-and-set failed); `metadata` carries the current values to retry with. */
export class AbortedError extends InventorySyncError {
  constructor(code: string, message: string, metadata: Record<string, string> = {}) {
    super("aborted", code, message, { metadata });
    this.name = "AbortedError";
  }
}

/** The caller is known but its role does not allow the call. */
export class PermissionDeniedError extends InventorySyncError {
  constructor(code: string, message: string) {
    super("permission_denied", code, message);
    this.name = "PermissionDeniedError";
  }
}

/** The service is at capacity for this kind of work; the caller should retry after a short wait. */
export class ResourceExhaustedError extends InventorySyncError {
  constructor(code: string, message: string, metadata: Record<string, string> = {}) {
    super("resource_exhausted", code, message, { metadata });
    this.name = "ResourceExhaustedError";
  }
}
