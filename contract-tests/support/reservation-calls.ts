import * as grpc from "@grpc/grpc-js";
import { decodeErrorDetail, errorDetailFromGrpc, grpcClients, unary, type DecodedErrorDetail } from "./grpc-clients.js";
import { postJson } from "./wms-fixtures.js";

/** The outcome of one call, the same shape whichever protocol carried it. */
export type CallResult =
  | { ok: true; body: any }
  | { ok: false; code: string; message: string; detail: DecodedErrorDetail | undefined };

/** gRPC status numbers by their Connect names, to compare both protocols' errors. */
const GRPC_CODE_NAMES: Record<number, string> = {
  [grpc.status.INVALID_ARGUMENT]: "invalid_argument",
  [grpc.status.NOT_FOUND]: "not_found",
  [grpc.status.ALREADY_EXISTS]: "already_exists",
  [grpc.status.FAILED_PRECONDITION]: "failed_precondition",
  [grpc.status.ABORTED]: "aborted",
  [grpc.status.UNAVAILABLE]: "unavailable",
  [grpc.status.INTERNAL]: "internal",
};

/** Calls `ReservationService/<method>` with Connect JSON (a plain HTTP POST, as any client would). */
export async function connectJson(baseUrl: string, method: string, request: object): Promise<CallResult> {
  const res = await postJson(`${baseUrl}/invsync.inventory.v1.ReservationService/${method}`, request);
  if (res.status === 200) return { ok: true, body: res.body };
  const encoded = (res.body?.details as Array<{ type: string; value: string }> | undefined)?.find((d) => d.type === "invsync.errors.v1.ErrorDetail");
  const detail = encoded ? decodeErrorDetail(Buffer.from(encoded.value, "base64")) : undefined;
  return { ok: false, code: res.body?.code, message: res.body?.message, detail };
}

/** gRPC clients on a connection of their own (not shared with other clients of the process). */
export function ownGrpcClients(address: string): ReturnType<typeof grpcClients> {
  return grpcClients(address, { "grpc.use_local_subchannel_pool": 1 });
}

/** Calls `method` (lower camel case, e.g. `reserveStock`) over gRPC. */
export async function grpcCall(client: grpc.Client, method: string, request: object): Promise<CallResult> {
  try {
    return { ok: true, body: await unary(client, method, request) };
  } catch (error) {
    const e = error as grpc.ServiceError;
    return { ok: false, code: GRPC_CODE_NAMES[e.code] ?? String(e.code), message: e.details, detail: errorDetailFromGrpc(e) };
  }
}

/** A caller of the ReservationService over one protocol, methods named as in the proto. */
export type ReservationCaller = (method: string, request: object) => Promise<CallResult>;

/** A caller over Connect JSON. */
export function connectCaller(baseUrl: string): ReservationCaller {
  return (method, request) => connectJson(baseUrl, method, request);
}

/** A caller over gRPC (the method's name in lower camel case is derived). */
export function grpcCaller(client: grpc.Client): ReservationCaller {
  return (method, request) => grpcCall(client, method[0]!.toLowerCase() + method.slice(1), request);
}
