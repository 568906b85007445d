import { signatureHeader } from "../../src/adapters/http/wms-signature.js";

/** A signing key of the tests: `WMS_SIGNING_KEYS` entry and the same key for signing. */
export const TEST_KEY = { id: "test-key-1", secret: "test-secret-0123456789abcdef" } as const;

/** `WMS_SIGNING_KEYS` value for `keys`. */
export function signingKeysEnv(...keys: ReadonlyArray<{ id: string; secret: string }>): string {
  return keys.map((k) => `${k.id}:${k.secret}`).join(",");
}

/** Headers that sign `body` with `key` at `at` (unix seconds; now by default), as a WMS would. */
export function signedHeaders(body: string, key: { id: string; secret: string } = TEST_KEY, at = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { "x-invsync-signature": signatureHeader(key.id, key.secret, at, Buffer.from(body, "utf8")) };
}

/** POSTs `body` as JSON to `url`, signed with `key` (each call signs anew, as every retry must). */
export async function postSigned(url: string, body: unknown, key: { id: string; secret: string } = TEST_KEY): Promise<{ status: number; headers: Headers; body: any }> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...signedHeaders(text, key) }, body: text });
  const answer = await response.text();
  return { status: response.status, headers: response.headers, body: answer ? JSON.parse(answer) : undefined };
}
