import type { ConnectError } from "@connectrpc/connect";
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
 * `{"code": "invalid_argument", "message": "...", "detail": {"code": "...", "fieldViolations": [...]}}`.
 */
export function sendError(res: HttpResponse, error: ConnectError): void {
  const detail = errorDetailOf(error);
  sendJson(res, isBodyTooLarge(error) ? 413 : httpStatusOf(error.code), {
    code: codeName(error.code),
    message: error.rawMessage,
    ...(detail ? { detail: { code: detail.code, fieldViolations: detail.fieldViolations.map(({ field, reason }) => ({ field, reason })) } } : {}),
  });
}

function codeName(code: number): string {
  const names = [
    "ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
    "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
    "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
  ];
  return names[code] ?? "unknown";
}
