import assert from "node:assert/strict";
import fc from "fast-check";
import { arrayElementSpans } from "./json-spans.js";

describe("arrayElementSpans", () => {
  it("slices each element of the key's array exactly as written: spacing, key spelling, escapes, numbers", () => {
    const a = `{ "wms_id" : "w\\"1", "quantity": 1.50e0, "nested": {"x": [1, "]}"]} }`;
    const b = `{"wmsId":"w2","observedAt":"2026-12-06T10:00:00+01:00"}`;
    const text = `\n{"batch_id": "b,[{", "updates" :\t[ ${a} ,${b}\n], "tail": [1,{"updates": []}]}`;
    assert.deepEqual(arrayElementSpans(text, "updates"), [a, b]);
  });

  it("reads escaped keys, takes the last of repeated keys, and treats null and a missing key as no elements", () => {
    assert.deepEqual(arrayElementSpans(`{"upd\\u0061tes": [1, true, null, "x"]}`, "updates"), ["1", "true", "null", `"x"`]);
    assert.deepEqual(arrayElementSpans(`{"updates": [1], "updates": [2, 3]}`, "updates"), ["2", "3"]);
    assert.deepEqual(arrayElementSpans(`{"updates": null}`, "updates"), []);
    assert.deepEqual(arrayElementSpans(`{"batchId": "b"}`, "updates"), []);
    assert.deepEqual(arrayElementSpans(`{}`, "updates"), []);
  });

  it("is undefined for text that is not an object or whose key holds no array", () => {
    assert.equal(arrayElementSpans(`[{"updates": []}]`, "updates"), undefined);
    assert.equal(arrayElementSpans(`{"updates": {"a": 1}}`, "updates"), undefined);
    assert.equal(arrayElementSpans(`{"updates": [1, 2`, "updates"), undefined);
    assert.equal(arrayElementSpans(``, "updates"), undefined);
  });

  it("gives back, for any JSON, elements that parse to the array's values (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (updates, others, pretty) => {
        const text = JSON.stringify({ ...others, updates }, null, pretty ? 2 : undefined);
        const spans = arrayElementSpans(text, "updates");
        assert.deepEqual(spans?.map((span) => JSON.parse(span)), JSON.parse(text).updates);
      }),
    );
  });
});
