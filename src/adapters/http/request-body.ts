import { Code, ConnectError } from "@connectrpc/connect";
import type { HttpRequest } from "./http-types.js";

/**
 * Reads a request body of at most `maxBytes` as UTF-8 text. Throws ResourceExhausted ({@link isBodyTooLarge}) as soon
 * as the limit is passed, without buffering the rest.
 */
export async function readBody(req: HttpRequest, maxBytes: number): Promise<string> {
  return (await readBodyBytes(req, maxBytes)).toString("utf8");
}

const keptBodies = new WeakMap<HttpRequest, Buffer>();

/**
 * {@link readBody} as bytes; a body already read by a gate (see {@link keepBody}) is returned again.
 * Over the limit nothing more is kept: the rest of the body is read and dropped (see `discardRest`).
 */
export function readBodyBytes(req: HttpRequest, maxBytes: number): Promise<Buffer> {
  const kept = keptBodies.get(req);
  if (kept) return Promise.resolve(kept);
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) {
    discardRest(req, maxBytes);
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      done();
      discardRest(req, maxBytes);
      reject(tooLarge(maxBytes));
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onAborted = (): void => onError(new Error("the client aborted the request"));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onError);
    req.once("aborted", onAborted);
  });
}

/** The body a gate already read from `req` (see {@link keepBody}), exactly as received; undefined when none did. */
export function keptBody(req: HttpRequest): Buffer | undefined {
  return keptBodies.get(req);
}

/**
 * Makes `body`, already read from `req`, readable again: by {@link readBody} (REST aliases) and by
 * connect-node, which iterates the request stream itself.
 */
export function keepBody(req: HttpRequest, body: Buffer): void {
  keptBodies.set(req, body);
  Object.defineProperty(req, Symbol.asyncIterator, {
    configurable: true,
    value: async function* () {
      yield body;
    },
  });
}

const bodyTooLarge = new WeakSet<ConnectError>();

/** True for the error {@link readBody} throws when the body is over the limit (HTTP 413 for REST callers). */
export function isBodyTooLarge(error: ConnectError): boolean {
  return bodyTooLarge.has(error);
}

/** How much of an over-limit body is read and dropped, in multiples of the limit, before the connection is cut. */
const DISCARD_FACTOR = 4;

/**
 * Reads and drops the rest of `req`'s body, so a client still sending it receives the 413 and its
 * HTTP/1.1 connection stays usable (closing it early would cut the client off mid-upload, before it
 * reads the answer). A sender that goes on past {@link DISCARD_FACTOR} × the limit is cut off.
 */
function discardRest(req: HttpRequest, maxBytes: number): void {
  let dropped = 0;
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_FACTOR * maxBytes) req.socket?.destroy();
  });
  req.resume();
}

function tooLarge(maxBytes: number): ConnectError {
  // A ResourceExhausted ConnectError (not a subclass: ConnectError recognises its instances by name).
  const error = new ConnectError(`request body exceeds ${maxBytes} bytes; send smaller batches`, Code.ResourceExhausted);
  bodyTooLarge.add(error);
  return error;
}
