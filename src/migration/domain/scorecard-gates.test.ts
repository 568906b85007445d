import assert from "node:assert/strict";
import { judgeGates, percentileDisc, type GateInputs } from "./scorecard-gates.js";

const fresh = (medianMs: number | undefined) => ({ samples: medianMs === undefined ? 0 : 10, medianMs, p95Ms: medianMs, p99Ms: medianMs, pending: 0 });
const base: GateInputs = {
  newFreshness: fresh(800),
  newOversell: { reservations: 1000, foundShort: 1, refusedAtFulfilment: 0 },
  legacyOversell: { reservations: 1000, foundShort: 10, refusedAtFulfilment: 4 },
  legacyHasRun: true,
  newDiscrepancy: { runId: "7", skusCompared: 1000, skusWithDiscrepancy: 4 },
};
const statuses = (inputs: GateInputs) => judgeGates(inputs).map((g) => g.status);

describe("scorecard gates", () => {
  it("pass inside the thresholds: median < 120 s, oversell ≥ 30 % below legacy, discrepancies < 0.5 %", () => {
    assert.deepEqual(statuses(base), ["pass", "pass", "pass"]);
    const [freshness, oversell, discrepancy] = judgeGates(base);
    assert.deepEqual([freshness!.observed, oversell!.observed, discrepancy!.observed], [0.8, 0.9, 0.004]);
  });

  it("at the thresholds: freshness and discrepancies fail (strictly under), oversell passes (at least 30 %)", () => {
    assert.deepEqual(
      statuses({
        ...base,
        newFreshness: fresh(120_000),
        newOversell: { reservations: 1000, foundShort: 7, refusedAtFulfilment: 0 },
        newDiscrepancy: { runId: "7", skusCompared: 1000, skusWithDiscrepancy: 5 },
      }),
      ["fail", "pass", "fail"],
    );
    assert.equal(judgeGates({ ...base, newOversell: { reservations: 1000, foundShort: 8, refusedAtFulfilment: 0 } })[1]!.status, "fail");
  });

  it("no legacy run, or no legacy reservation, is no baseline yet; never a pass", () => {
    const noRun = judgeGates({ ...base, legacyHasRun: false })[1]!;
    assert.deepEqual([noRun.status, noRun.detail], ["no_baseline_yet", "legacy has not reported a sync run yet: no baseline"]);
    assert.equal(judgeGates({ ...base, legacyOversell: { reservations: 0, foundShort: 0, refusedAtFulfilment: 0 } })[1]!.status, "no_baseline_yet");
  });

  it("nothing measured on the new path is no data; a baseline of zero oversells passes only a zero", () => {
    assert.deepEqual(statuses({ ...base, newFreshness: fresh(undefined), newOversell: { reservations: 0, foundShort: 0, refusedAtFulfilment: 0 }, newDiscrepancy: undefined }), [
      "no_data",
      "no_data",
      "no_data",
    ]);
    const zero = { reservations: 50, foundShort: 0, refusedAtFulfilment: 0 };
    assert.equal(judgeGates({ ...base, legacyOversell: zero, newOversell: zero })[1]!.status, "pass");
    assert.equal(judgeGates({ ...base, legacyOversell: zero })[1]!.status, "fail");
  });

  it("percentiles are nearest rank", () => {
    assert.equal(percentileDisc([], 0.5), undefined);
    assert.equal(percentileDisc([1, 2, 3, 4], 0.5), 2);
    assert.equal(percentileDisc([1, 2, 3, 4], 0.99), 4);
    assert.equal(percentileDisc([5], 0.01), 5);
  });
});
