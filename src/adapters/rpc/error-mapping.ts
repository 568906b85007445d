import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack, AnySchema } from "@bufbuild/protobuf/wkt";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, type ErrorDetail } from "../../../gen/invsync/errors/v1/error_detail_pb.js";
import { isInventorySyncError, type ErrorKind } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";

/** The one place where a failure kind becomes a Connect / gRPC code. */
const CODES: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  failed_precondition: Code.FailedPrecondition,
  aborted: Code.Aborted,
  already_exists: Code.AlreadyExists,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/** HTTP status for each code, for the REST aliases (as the Connect protocol maps them). */
const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.NotFound]: 404,
  [Code.FailedPrecondition]: 412,
  [Code.Aborted]: 409,
  [Code.AlreadyExists]: 409,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
  [Code.Canceled]: 499,
};

/**
 * Any failure as a ConnectError callers may see: our typed errors keep their message and travel with
 * an `invsync.errors.v1.ErrorDetail` (stable code, field violations); ConnectErrors pass through;
 * anything else is logged and reported as `Internal` without its message, SQL or stack.
 */
export function toConnectError(error: unknown, logger: Logger, requestId: string): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isInventorySyncError(error)) {
    const detail = create(ErrorDetailSchema, { code: error.code, fieldViolations: [...error.violations], metadata: { ...error.metadata } });
    return new ConnectError(error.message, CODES[error.kind], undefined, [{ desc: ErrorDetailSchema, value: detail }]);
  }
  if (isUnavailable(error)) {
    logger.warn({ err: describe(error), requestId }, "request failed: database unavailable");
    return new ConnectError(`the service cannot reach its database; retry later (request id ${requestId})`, Code.Unavailable);
  }
  logger.error({ err: describe(error), requestId }, "request failed unexpectedly");
  return new ConnectError(`internal error (request id ${requestId})`, Code.Internal);
}

/** The {@link ErrorDetail} carried by `error`, if any. */
export function errorDetailOf(error: ConnectError): ErrorDetail | undefined {
  return error.findDetails(ErrorDetailSchema)[0];
}

/** HTTP status for `code` (REST aliases). */
export function httpStatusOf(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

/**
 * A `google.rpc.Status` (code, message, details as Any) encoded for the `grpc-status-details-bin`
 * trailer, so gRPC clients receive the same ErrorDetail as Connect clients.
 */
export function grpcStatusDetails(error: ConnectError): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.Varint).int32(error.code);
  writer.tag(2, WireType.LengthDelimited).string(error.rawMessage);
  const detail = errorDetailOf(error);
  if (detail) writer.tag(3, WireType.LengthDelimited).bytes(toBinary(AnySchema, anyPack(ErrorDetailSchema, detail)));
  return writer.finish();
}

/**
 * Connection-level failures of the database: the request may be retried later. Some carry no code:
 * knex's pool timeout, and pg's "Client has encountered a connection error and is not queryable"
 * for a statement (the ROLLBACK of a transaction included) on a connection the server just dropped.
 */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return /Timeout acquiring a connection|Connection terminated|connection error and is not queryable/i.test(describe(error));
  return ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P02", "57P03", "08000", "08003", "08006"].includes(code);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
