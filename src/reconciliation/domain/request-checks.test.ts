import assert from "node:assert/strict";
import { isInventorySyncError } from "../../shared/errors.js";
import { checkSnapshotLines } from "./snapshot-count.js";
import { checkOverride } from "./stock-override.js";

const T = new Date("2026-11-24T12:00:00Z");
const clock = { takenAt: T, now: T, maxFutureSkewMs: 300_000 };

describe("reconciliation request checks", () => {
  it("takes snapshot lines, defaulting the location and the time", () => {
    const { counts, violations } = checkSnapshotLines([{ sku: "S-1", locationId: "", quantity: 4n, observedAt: undefined }], clock);
    assert.deepEqual(violations, []);
    assert.deepEqual(counts, [{ sku: "S-1", locationId: "default", counted: 4, observedAt: T }]);
  });

  it("names every bad field of every bad line, offset by the page's first index", () => {
    const { counts, violations } = checkSnapshotLines(
      [
        { sku: "", locationId: "a b", quantity: -1n, observedAt: new Date(T.getTime() + 3_600_000) },
        { sku: "S-2", locationId: "", quantity: 10n ** 13n, observedAt: new Date("1999-01-01") },
        { sku: "S-3", locationId: "DC-1", quantity: 0n, observedAt: undefined },
      ],
      clock,
      100,
    );
    assert.equal(counts.length, 1);
    assert.deepEqual(
      violations.map((v) => v.field),
      ["counts[100].sku", "counts[100].location_id", "counts[100].quantity", "counts[100].observed_at", "counts[101].quantity", "counts[101].observed_at"],
    );
  });

  it("checks an override: expected value required, reason from the closed set, a note", () => {
    const ok = checkOverride({ sku: "S-1", locationId: "", countedOnHand: 3n, expectedOnHand: 0n, reason: "FOUND", note: " pallet " });
    assert.deepEqual(ok, { sku: "S-1", locationId: "default", countedOnHand: 3, expectedOnHand: 0, reason: "FOUND", note: "pallet" });
    try {
      checkOverride({ sku: "S 1", locationId: "", countedOnHand: -3n, expectedOnHand: undefined, reason: "BECAUSE", note: "" });
      assert.fail("expected a refusal");
    } catch (error) {
      assert.ok(isInventorySyncError(error));
      assert.equal(error.code, "RECONCILIATION.INVALID_OVERRIDE");
      assert.deepEqual(
        error.violations.map((v) => v.field),
        ["sku", "counted_on_hand", "expected_on_hand", "reason", "note"],
      );
    }
  });
});
