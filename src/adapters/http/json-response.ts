import type { ConnectError } from "@connectrpc/connect";
import type { ErrorDetail } from "../../../gen/invsync/errors/v1/error_detail_pb.js";
import { errorDetailOf, httpStatusOf } from "../rpc/error-mapping.js";
import { isBodyTooLarge } from "./request-body.js";

import type { HttpResponse } from "./http-types.js";

/** Sends `body` as JSON with `status`. */
export function sendJson(res: HttpResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** Sends already-serialised JSON with `status`. */
export function sendJsonText(res: HttpResponse, status: number, json: string): void {
  const payload = Buffer.from(json, "utf8");
  res.writeHead(status, { "content-type": "application/json", "content-length": payload.length });
  res.end(payload);
}

/**
 * Sends an error in the Connect protocol's JSON shape, with our ErrorDetail spelled out:
 * `{"code": "invalid_argument", "message": "...", "detail": {"code": "...", "fieldViolations": [...]}}`,
 * plus `"metadata": {...}` in the detail when the error carries facts (for example the current value
 * of a refused compare-and-set).
 */
export function sendError(res: HttpResponse, error: ConnectError): void {
  const detail = errorDetailOf(error);
  sendJson(res, isBodyTooLarge(error) ? 413 : httpStatusOf(error.code), {
    code: codeName(error.code),
    message: error.rawMessage,
    ...(detail ? { detail: restDetail(detail) } : {}),
  });
}

function restDetail(detail: ErrorDetail) {
  const metadata = Object.keys(detail.metadata).length > 0 ? { metadata: { ...detail.metadata } } : {};
  return { code: detail.code, fieldViolations: detail.fieldViolations.map(({ field, reason }) => ({ field, reason })), ...metadata };
}

function codeName(code: number): string {
  const names = [
    "ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
    "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
    "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
  ];
  return names[code] ?? "unknown";
}
