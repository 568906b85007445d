/**
 * A WMS client in TypeScript (Node.js 20, no dependencies): signs a batch the way inventory-sync
 * checks it and sends it over Connect JSON, retrying with a fresh signature when told to wait.
 *
 *   WMS_KEY=<key id>:<secret> INVSYNC_URL=http://127.0.0.1:8080 npx tsx examples/wms-sign-and-send.ts [batch.json]
 *
 * Without a file it sends examples/wms-v2-batch.json to the v2 contract (`SyncStock`); a file whose
 * top level has `updates` goes to v1 (`SyncInventory`). WMS_KEY defaults to the embedded mode's
 * development key (`<DATA_DIR>/../wms-dev-signing-key`, as scripts/wms-post.sh reads it).
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** `X-Invsync-Signature` for `body`: `t=<unix seconds>,k=<key id>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signatureHeader(keyId: string, secret: string, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const mac = createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
  return `t=${t},k=${keyId},v1=${mac}`;
}

/** Posts `body` to `url`, signed anew on every attempt; 429 and 503 are retried after their `Retry-After`. */
export async function sendSigned(url: string, body: string, keyId: string, secret: string, attempts = 5): Promise<{ status: number; json: unknown }> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-invsync-signature": signatureHeader(keyId, secret, body) },
      body, // the exact bytes that were signed
    });
    const json: unknown = await response.json();
    const retryable = response.status === 429 || response.status === 503;
    if (!retryable || attempt === attempts) return { status: response.status, json };
    // A signature is accepted once, and covers whole seconds: wait at least a second before re-signing.
    const waitSeconds = Math.max(1, Number(response.headers.get("retry-after") ?? "1"));
    await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
  }
}

const file = process.argv[2] ?? "examples/wms-v2-batch.json";
const body = readFileSync(file, "utf8");
const key = process.env.WMS_KEY ?? readFileSync(join(dirname(process.env.DATA_DIR ?? ".data/pglite"), "wms-dev-signing-key"), "utf8");
const [keyId, secret] = key.trim().split(/:(.*)/s);
if (!keyId || !secret) throw new Error("WMS_KEY must be <key id>:<secret>, as in the service's WMS_SIGNING_KEYS");
const rpc = "updates" in JSON.parse(body) ? "invsync.wms.v1.WmsSyncService/SyncInventory" : "invsync.wms.v2.WmsSyncService/SyncStock";
const { status, json } = await sendSigned(`${process.env.INVSYNC_URL ?? "http://127.0.0.1:8080"}/${rpc}`, body, keyId, secret);
console.log(status, JSON.stringify(json));
process.exitCode = status === 200 ? 0 : 1;
