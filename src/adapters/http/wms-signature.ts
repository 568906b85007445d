import { createHmac, timingSafeEqual } from "node:crypto";

/** Header that carries the WMS request signature. */
export const SIGNATURE_HEADER = "x-invsync-signature";

/** What checking a signature found: the signature to remember against replays, or why it is refused. */
export type SignatureCheck =
  | { readonly ok: true; readonly signature: string }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** Signing keys by key id; several may be active at once (rotation). */
export type SigningKeys = ReadonlyMap<string, string>;

const FORMAT = "expected X-Invsync-Signature: t=<unix seconds>,k=<key id>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">";

/** `v1` of the signature: hex HMAC-SHA256 with `secret` of `"<t>.<raw body>"`. */
export function signatureOf(secret: string, timestamp: number, body: Uint8Array): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** The full header value for `body` signed with key `keyId` at `timestamp` (unix seconds). */
export function signatureHeader(keyId: string, secret: string, timestamp: number, body: Uint8Array): string {
  return `t=${timestamp},k=${keyId},v1=${signatureOf(secret, timestamp, body)}`;
}

/**
 * Checks `header` against the raw `body`: well-formed, a known key id, a timestamp within
 * `toleranceMs` of `nowMs` either way, and a MAC that matches (compared in constant time).
 */
export function checkSignature(header: string | undefined, body: Uint8Array, keys: SigningKeys, nowMs: number, toleranceMs: number): SignatureCheck {
  if (!header) return refuse("WMS.SIGNATURE_MISSING", `the request is not signed; ${FORMAT}`);
  const parts = new Map<string, string>();
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    if (at > 0) parts.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const t = parts.get("t");
  const keyId = parts.get("k");
  const mac = parts.get("v1");
  if (!t || !/^\d{1,12}$/.test(t) || !keyId || !mac || !/^[0-9a-f]{64}$/i.test(mac)) {
    return refuse("WMS.SIGNATURE_MALFORMED", `the signature header is malformed; ${FORMAT}`);
  }
  const secret = keys.get(keyId);
  if (secret === undefined) return refuse("WMS.SIGNATURE_UNKNOWN_KEY", `key id "${keyId.slice(0, 64)}" is not an active signing key`);
  const skewSeconds = Math.round(Math.abs(nowMs - Number(t) * 1000) / 1000);
  if (skewSeconds * 1000 > toleranceMs) {
    return refuse("WMS.SIGNATURE_EXPIRED", `the signature's timestamp is ${skewSeconds} s from our clock; at most ${toleranceMs / 1000} s allowed (sign each attempt anew)`);
  }
  const expected = Buffer.from(signatureOf(secret, Number(t), body), "hex");
  if (!timingSafeEqual(expected, Buffer.from(mac, "hex"))) {
    return refuse("WMS.SIGNATURE_MISMATCH", "the signature does not match the body; sign the exact bytes sent, as \"<t>.<raw body>\"");
  }
  return { ok: true, signature: `${keyId}:${mac.toLowerCase()}` };
}

function refuse(code: string, reason: string): SignatureCheck {
  return { ok: false, code, reason };
}
