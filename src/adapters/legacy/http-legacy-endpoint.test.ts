import assert from "node:assert/strict";
import { LEGACY_FEED_VERSION, legacyFeedRequestBody } from "./http-legacy-endpoint.js";

describe("legacyFeedRequestBody", () => {
  it("carries each row's feed id, path, schema version and the WMS payload exactly as stored, in the order given", () => {
    const payloadJson = `{"sku": "SKU-\\u00e9", "quantity": "12", "big": 12345678901234567890, "nested": {"a": [1, 2.50]}}`;
    const body = legacyFeedRequestBody([
      { feedId: 9_007_199_254_740_993n, path: "legacy", schemaVersion: "wms.v1", payloadForm: "json", payloadJson },
      { feedId: 9_007_199_254_740_994n, path: "shadow", schemaVersion: "wms.v2", payloadForm: "csv", payloadJson: JSON.stringify("seq_no,item_code\n4,SKU-1") },
    ]);
    const parsed = JSON.parse(body) as { version: string; updates: Array<{ feedId: string; path: string; schemaVersion: string; payloadForm: string; payload: unknown }> };
    assert.equal(parsed.version, LEGACY_FEED_VERSION);
    assert.deepEqual(parsed.updates.map((u) => [u.feedId, u.path, u.schemaVersion]), [
      ["9007199254740993", "legacy", "wms.v1"],
      ["9007199254740994", "shadow", "wms.v2"],
    ], "64-bit feed ids as strings, never rounded");
    assert.deepEqual(parsed.updates.map((u) => u.payloadForm), ["json", "csv"]);
    assert.equal(parsed.updates[1]!.payload, "seq_no,item_code\n4,SKU-1", "a csv payload is a JSON string holding the CSV text");
    assert.ok(body.includes(`"payload":${payloadJson}}`), "the payload's text is not re-read: big numbers, escapes and 2.50 stay as they were");
  });

  it("is a valid document with no updates", () => {
    assert.deepEqual(JSON.parse(legacyFeedRequestBody([])), { version: LEGACY_FEED_VERSION, updates: [] });
  });
});
