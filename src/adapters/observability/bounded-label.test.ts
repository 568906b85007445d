import assert from "node:assert/strict";
import { BoundedLabel } from "./bounded-label.js";

describe("BoundedLabel", () => {
  it("keeps the first values it sees and turns every later one into 'other'", () => {
    const label = new BoundedLabel(2);
    assert.deepEqual(["wms-a", "wms-b", "wms-c", "wms-a", "wms-d", "wms-b"].map((v) => label.value(v)), ["wms-a", "wms-b", "other", "wms-a", "other", "wms-b"]);
  });
});
