import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

describe("reconciliation configuration", () => {
  it("defaults: daily at 02:00 UTC, tolerance 2 units, audit kept 400 days, no operator tokens", () => {
    const { reconciliation } = loadConfig({});
    assert.equal(reconciliation.dailyAtMinute, 120);
    assert.deepEqual(reconciliation.tolerance, { units: 2, percent: 0 });
    assert.equal(reconciliation.auditRetentionMs, 400 * 86_400_000);
    assert.deepEqual(reconciliation.operators, []);
    assert.equal(reconciliation.snapshotUrl, undefined);
  });

  it("reads the schedule, 'off', and operator tokens with roles", () => {
    const token = "a".repeat(32);
    const config = loadConfig({ RECONCILE_DAILY_AT: "23:45", OPERATOR_TOKENS: `ann:operator:${token}, vic:viewer:${"b".repeat(24)}` });
    assert.equal(config.reconciliation.dailyAtMinute, 23 * 60 + 45);
    assert.deepEqual(config.reconciliation.operators, [
      { name: "ann", role: "operator", token },
      { name: "vic", role: "viewer", token: "b".repeat(24) },
    ]);
    assert.equal(loadConfig({ RECONCILE_DAILY_AT: "off" }).reconciliation.dailyAtMinute, undefined);
  });

  it("refuses bad values without echoing a token", () => {
    assert.throws(
      () => loadConfig({ RECONCILE_DAILY_AT: "25:00", OPERATOR_TOKENS: "ann:admin:secret-secret-secret-secret", RECONCILE_TOLERANCE_PERCENT: "150" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /RECONCILE_DAILY_AT: must be HH:MM/);
        assert.match(error.message, /OPERATOR_TOKENS: each entry must be <name>:<viewer\|operator>:<token of 24\+ characters> \(entry 1 is not\)/);
        assert.match(error.message, /RECONCILE_TOLERANCE_PERCENT="150"/);
        assert.doesNotMatch(error.message, /secret-secret/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ OPERATOR_TOKENS: `a:operator:${"x".repeat(24)},b:viewer:${"x".repeat(24)}` }), /repeats a name or a token/);
  });
});
