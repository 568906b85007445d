import assert from "node:assert/strict";
import { checkSignature, signatureHeader } from "./wms-signature.js";

const KEYS = new Map([
  ["old", "old-secret-0123456789"],
  ["new", "new-secret-0123456789"],
]);
const NOW = 1_800_000_000_000;
const T = NOW / 1000;
const BODY = Buffer.from('{"batchId":"b-1","updates":[]}');

function check(header: string | undefined, body = BODY, now = NOW) {
  return checkSignature(header, body, KEYS, now, 300_000);
}
function code(header: string | undefined, body = BODY, now = NOW): string {
  const result = check(header, body, now);
  return result.ok ? "ok" : result.code;
}

describe("WMS request signature", () => {
  it("accepts a body signed with any active key (rotation) and names the signature for replay checks", () => {
    for (const keyId of ["old", "new"]) {
      const result = check(signatureHeader(keyId, KEYS.get(keyId)!, T, BODY));
      assert.ok(result.ok);
      assert.match(result.ok ? result.signature : "", new RegExp(`^${keyId}:[0-9a-f]{64}$`));
    }
  });

  it("matches the openssl recipe of the README: HMAC-SHA256 of \"<t>.<raw body>\" in hex", () => {
    // printf '%s' '1800000000.{"batchId":"b-1","updates":[]}' | openssl dgst -sha256 -hmac old-secret-0123456789
    const header = signatureHeader("old", "old-secret-0123456789", T, BODY);
    assert.equal(header, "t=1800000000,k=old,v1=e494fea9e21ae56a48e0e74af72fce743f51a87d0d75ce9ca387047797ab702f");
  });

  it("refuses an unsigned, malformed, unknown-key, expired or tampered request with its own code", () => {
    const good = signatureHeader("new", KEYS.get("new")!, T, BODY);
    assert.equal(code(undefined), "WMS.SIGNATURE_MISSING");
    assert.equal(code("v1=abc"), "WMS.SIGNATURE_MALFORMED");
    assert.equal(code(good.replace("k=new", "k=gone")), "WMS.SIGNATURE_UNKNOWN_KEY");
    assert.equal(code(good, BODY, NOW + 301_000), "WMS.SIGNATURE_EXPIRED");
    assert.equal(code(good, BODY, NOW - 301_000), "WMS.SIGNATURE_EXPIRED", "a timestamp too far ahead is refused too");
    assert.equal(code(good, Buffer.from('{"batchId":"b-2","updates":[]}')), "WMS.SIGNATURE_MISMATCH");
    assert.equal(code(signatureHeader("new", "wrong-secret-012345", T, BODY)), "WMS.SIGNATURE_MISMATCH");
    assert.equal(code(good, BODY, NOW + 299_000), "ok", "inside the window");
  });
});
