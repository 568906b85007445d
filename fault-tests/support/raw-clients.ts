import http2 from "node:http2";
import type { GarbageRequest } from "./garbage.js";

/** What came back for one request: an HTTP status and body, or gRPC status and message, or nothing. */
export interface RawAnswer {
  /** HTTP status (gRPC: the HTTP/2 status); 0 when no answer came. */
  readonly status: number;
  readonly body: string;
  /** gRPC calls: the grpc-status and grpc-message. */
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
  /** Why no answer came (connection reset, timeout). */
  readonly error?: string;
}

/** Sends an HTTP request to the gateway as it is (no normalising), with a timeout. */
export async function sendHttp(baseUrl: string, request: GarbageRequest, streamBody = false): Promise<RawAnswer> {
  try {
    const body = request.body === undefined ? undefined : streamBody ? chunked(request.body) : request.body;
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body,
      signal: AbortSignal.timeout(30_000),
      ...(streamBody ? { duplex: "half" } : {}),
    } as RequestInit);
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: "", error: describe(error) };
  }
}

/** One gRPC call with a raw (possibly broken) framed body, over a session of its own. */
export function sendGrpc(address: string, request: GarbageRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${address}`);
    const finish = (answer: RawAnswer): void => {
      clearTimeout(timer);
      session.close();
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ status: 0, body: "", error: "timeout" }), 30_000);
    session.on("error", (error) => finish({ status: 0, body: "", error: describe(error) }));
    const stream = session.request({ ":method": "POST", ":path": request.path, te: "trailers", ...request.headers });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (headers = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("error", (error) => finish({ status: 0, body: "", error: describe(error) }));
    stream.on("close", () => {
      const status = trailers["grpc-status"] ?? headers["grpc-status"];
      const message = trailers["grpc-message"] ?? headers["grpc-message"];
      finish({
        status: Number(headers[":status"] ?? 0),
        body: "",
        grpcStatus: status === undefined ? undefined : Number(status),
        grpcMessage: message === undefined ? undefined : decodeURIComponent(String(message)),
      });
    });
    stream.resume();
    stream.end(request.body);
  });
}

async function* chunked(body: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < body.length; at += 64 * 1024) yield body.subarray(at, at + 64 * 1024);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `${(error as Error).message ?? String(error)}${cause ? ` (${cause.code ?? cause.message})` : ""}`;
}
