import { toJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import type { ReceivedPayload, ReceivedUpdates } from "../../wms-ingestion/application/wms-batch.js";
import { arrayElementSpans } from "../../shared/json-spans.js";

/** The `proto-json` form: protobuf's JSON mapping, zero values written out (a count of 0 says `"quantity": 0`), as the gateway answers. */
const PROTO_JSON = { alwaysEmitImplicit: true } as const;

/** The request body exactly as it arrived (set by the gateway for WMS calls); undefined elsewhere (gRPC server). */
export const receivedBodyKey = createContextKey<Uint8Array | undefined>(undefined, { description: "WMS request body as received" });

/**
 * How the updates of one WMS request were received, for legacy: for a JSON request (Connect JSON,
 * the REST alias, gRPC or gRPC-Web with `+json`) each update's JSON text exactly as sent, sliced
 * out of the request body (`arrayKey` is the repeated field: `updates`, `records`); for a binary
 * request (or a body that is not at hand) the canonical JSON of the decoded message
 * (`proto-json`). Nothing is worked out until the first update handed on to legacy asks, so a
 * batch wholly on the new path costs nothing here.
 */
export function receivedUpdates<T extends DescMessage>(
  context: HandlerContext,
  schema: T,
  arrayKey: string,
  messages: readonly MessageShape<T>[],
): ReceivedUpdates {
  let spans: readonly string[] | undefined | null = null;
  return {
    payload(index): ReceivedPayload {
      if (spans === null) spans = jsonSpans(context, arrayKey, messages.length);
      const text = spans?.[index];
      return text !== undefined ? { form: "json", text } : { form: "proto-json", text: toJsonString(schema, messages[index]!, PROTO_JSON) };
    },
  };
}

/** Each element's text of `arrayKey` in a JSON request body, or undefined for a request that is not JSON. */
function jsonSpans(context: HandlerContext, arrayKey: string, expected: number): string[] | undefined {
  const body = context.values.get(receivedBodyKey);
  if (!body) return undefined;
  const json = jsonBytes(body, context.requestHeader);
  if (!json) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(json);
  } catch {
    return undefined;
  }
  const spans = arrayElementSpans(text, arrayKey);
  // The parser accepted this body with `expected` updates; any other count means the body is not what was parsed.
  return spans?.length === expected ? spans : undefined;
}

/** The JSON bytes of a request body, unwrapped from its compression and gRPC envelope; undefined when it is not JSON. */
function jsonBytes(body: Uint8Array, headers: Headers): Uint8Array | undefined {
  const type = (headers.get("content-type") ?? "").toLowerCase();
  try {
    if (/^application\/json\s*(;|$)/.test(type)) return decompress(body, headers.get("content-encoding"));
    if (/^application\/grpc(-web)?\+json\s*(;|$)/.test(type)) {
      if (body.length < 5) return undefined;
      const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
      const message = body.subarray(5, 5 + length);
      return (body[0]! & 1) === 1 ? decompress(message, headers.get("grpc-encoding")) : message;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function decompress(bytes: Uint8Array, encoding: string | null): Uint8Array | undefined {
  switch ((encoding ?? "identity").toLowerCase()) {
    case "identity":
      return bytes;
    case "gzip":
      return gunzipSync(bytes);
    case "br":
      return brotliDecompressSync(bytes);
    case "deflate":
      return inflateSync(bytes);
    default:
      return undefined;
  }
}
