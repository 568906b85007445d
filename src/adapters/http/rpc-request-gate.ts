import { fromBinary, fromJsonString, type DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { RegisteredService } from "../rpc/registered-service.js";
import { sendError, sendJson } from "./json-response.js";
import { JSON_OPTIONS } from "./json-options.js";
import { keepBody, readBodyBytes } from "./request-body.js";
import type { RequestGate } from "./wms-request-gate.js";

/** Content types of Connect unary calls (JSON and protobuf binary), with optional parameters. */
const CONNECT_UNARY = /^application\/(json|proto)\s*(;|$)/i;
/** Content types of the other protocols the gateway serves (Connect streaming, gRPC, gRPC-Web). */
const OTHER_PROTOCOLS = /^application\/(connect\+(json|proto)|grpc(-web(-text)?)?(\+(proto|json))?)\s*(;|$)/i;

/**
 * The gate in front of every RPC path of the gateway, so a malformed call gets a reason instead of
 * what connect-node answers by itself:
 * - a method other than POST (or GET, for calls without side effects): 405 naming the allowed ones
 *   (connect-node sends an empty 405);
 * - a Connect GET whose query does not decode: 400 with the reason (connect-node: Internal);
 * - a content type no protocol takes: 415 with the types that work (connect-node sends an empty 415);
 * - a body over the size limit: 413, read to its end and dropped (connect-node stops reading it, which
 *   leaves the next request on that HTTP/1.1 connection hanging);
 * - a protobuf binary body that does not decode: 400 InvalidArgument with the decoder's reason
 *   (connect-node reports binary decoding errors as Internal).
 * A body that passes is handed on re-readable, and connect-node decodes it as usual.
 */
export function rpcRequestGate(services: readonly RegisteredService[], maxBodyBytes: number): RequestGate {
  const methods = new Map<string, DescMethod>();
  for (const { service } of services) for (const method of service.methods) methods.set(`/${service.typeName}/${method.name}`, method);
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://gateway");
    const method = methods.get(url.pathname);
    if (!method) return false;
    const gettable = method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
    if (req.method === "GET" && gettable) {
      const problem = getQueryProblem(method, url);
      if (problem) sendError(res, new ConnectError(problem, Code.InvalidArgument));
      return problem !== undefined;
    }
    if (req.method !== "POST") {
      res.setHeader("allow", gettable ? "GET, POST" : "POST");
      sendJson(res, 405, { code: "invalid_argument", message: `${method.parent.typeName}/${method.name} is called with ${gettable ? "GET or POST" : "POST"}, not ${req.method}` });
      return true;
    }
    const type = String(req.headers["content-type"] ?? "");
    if (!CONNECT_UNARY.test(type) && !OTHER_PROTOCOLS.test(type)) {
      sendJson(res, 415, {
        code: "invalid_argument",
        message: `content-type ${type ? `"${type}"` : "(none)"} is not served here; send application/json or application/proto (Connect), or call over gRPC / gRPC-Web`,
      });
      return true;
    }
    try {
      const body = await readBodyBytes(req, maxBodyBytes);
      const encoding = String(req.headers["content-encoding"] ?? "identity");
      if (/^application\/proto/i.test(type) && encoding === "identity") decodeBinary(method, body);
      keepBody(req, body);
      return false;
    } catch (error) {
      sendError(res, ConnectError.from(error));
      return true;
    }
  };
}

/** Decodes a protobuf binary request body, or throws InvalidArgument with the decoder's reason. */
function decodeBinary(method: DescMethod, body: Buffer): void {
  try {
    fromBinary(method.input, body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConnectError(`request body is not a valid ${method.input.typeName} in protobuf binary: ${reason}`, Code.InvalidArgument);
  }
}

/** Why the query of a Connect GET call (`encoding`, `message`, `base64`, `compression`) does not decode, if it does not. */
function getQueryProblem(method: DescMethod, url: URL): string | undefined {
  for (const pair of url.search.slice(1).split("&")) {
    try {
      decodeURIComponent(pair.replace(/\+/g, " "));
    } catch {
      return `query parameter ${JSON.stringify(pair.split("=")[0]!.slice(0, 40))} is not valid percent-encoding`;
    }
  }
  const encoding = url.searchParams.get("encoding");
  if (encoding !== "json" && encoding !== "proto") return `query parameter encoding must be json or proto, got ${JSON.stringify(encoding ?? "(none)")}`;
  const message = url.searchParams.get("message");
  if (message === null) return "query parameter message is required";
  const compression = url.searchParams.get("compression");
  if (compression !== null && compression !== "identity") return undefined; // connect-node decompresses and decodes it
  const base64 = url.searchParams.get("base64") === "1";
  if (base64 && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(message)) return "query parameter message is not valid base64 (base64=1)";
  const bytes = base64 ? Buffer.from(message, "base64url") : Buffer.from(message, encoding === "json" ? "utf8" : "latin1");
  try {
    if (encoding === "json") fromJsonString(method.input, bytes.toString("utf8"), JSON_OPTIONS);
    else fromBinary(method.input, bytes);
    return undefined;
  } catch (error) {
    return `query parameter message is not a valid ${method.input.typeName} in ${encoding}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
