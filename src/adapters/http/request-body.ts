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

/** {@link readBody} as bytes; a body already read by a gate (see {@link keepBody}) is returned again. */
export async function readBodyBytes(req: HttpRequest, maxBytes: number): Promise<Buffer> {
  const kept = keptBodies.get(req);
  if (kept) return kept;
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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

function tooLarge(maxBytes: number): ConnectError {
  // A ResourceExhausted ConnectError (not a subclass: ConnectError recognises its instances by name).
  const error = new ConnectError(`request body exceeds ${maxBytes} bytes; send smaller batches`, Code.ResourceExhausted);
  bodyTooLarge.add(error);
  return error;
}
