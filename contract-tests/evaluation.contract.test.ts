import assert from "node:assert/strict";
import { AGREEMENT_TOLERANCE, runEvaluation, type EvaluationResult } from "../bench/evaluate/evaluation.js";
import { QUICK_DAY } from "../bench/evaluate/simulated-day.js";

describe("contract: during an evaluation run (quick day), the service's own scorecard agrees with what the harness measured from outside", function () {
  this.timeout(240_000);
  let result: EvaluationResult;

  before(async () => {
    result = await runEvaluation(QUICK_DAY, { daySeconds: 30, concurrency: 16, log: () => undefined });
  });

  it("freshness, reservations, found-short reservations and discrepant SKUs agree within the stated tolerance", () => {
    const figures = result.agreement.map((a) => a.figure);
    assert.deepEqual(figures, ["freshness median, real ms", "freshness p99, real ms", "reservations", "reservations found short by a count", "SKUs with a discrepancy"]);
    for (const a of result.agreement) {
      assert.ok(Number.isFinite(a.service) && Number.isFinite(a.harness), `${a.figure}: both measured (${a.service}, ${a.harness})`);
      assert.ok(a.agrees, `${a.figure}: service ${a.service}, harness ${a.harness}, tolerance ${a.tolerance}`);
    }
    const median = result.agreement[0]!;
    const t = AGREEMENT_TOLERANCE.freshnessMedian;
    assert.ok(Math.abs(median.service - median.harness) <= Math.max(t.absoluteMs, t.relative * Math.max(median.service, median.harness)));
    assert.ok(result.service.oversell.reservations > QUICK_DAY.orderLines * 0.8, "most order lines were reserved");
    assert.ok(result.service.freshness.samples > QUICK_DAY.skus, "the day's updates were measured");
  });

  it("the two worlds played the same day: the legacy model is hours stale and oversells more; the service measured the gates itself", () => {
    assert.ok(result.legacy.freshness.medianMs > 3_600_000, `legacy median ${result.legacy.freshness.medianMs} ms`);
    assert.ok(result.service.freshness.medianMs < result.legacy.freshness.medianMs / 100);
    assert.ok(result.legacy.oversell.perThousand > result.service.oversell.perThousand);
    assert.ok(result.legacy.discrepancy.share > result.service.discrepancy.share);
    const card = result.scorecard as { gates: Array<{ name: string; status: string }> };
    assert.deepEqual(card.gates.map((g) => g.name), ["GATE_NAME_FRESHNESS", "GATE_NAME_OVERSELL", "GATE_NAME_DISCREPANCY"]);
    assert.equal(card.gates[1]!.status, "GATE_STATUS_NO_BASELINE_YET", "the service world has no legacy run: its own oversell gate has no baseline");
  });
});
