import assert from "node:assert/strict";
import fc from "fast-check";
import { decideRoute } from "./route-decision.js";

const NAMES = { killSwitch: "kill", cohort: "new", shadow: "shadow" };

describe("decideRoute", () => {
  it("sends a record to legacy when the flags cannot be evaluated", () => {
    assert.deepEqual(decideRoute(undefined, NAMES, "unleash:x"), { path: "legacy", reason: "flags_unavailable", flags: undefined, flag: "", source: "unleash:x" });
  });

  it("lets the kill switch win over every cohort, and the cohort flag over shadow", () => {
    assert.equal(decideRoute({ killSwitch: true, cohort: true, shadow: true }, NAMES, "s").reason, "kill_switch");
    assert.equal(decideRoute({ killSwitch: false, cohort: true, shadow: true }, NAMES, "s").path, "new");
    assert.equal(decideRoute({ killSwitch: false, cohort: false, shadow: true }, NAMES, "s").path, "shadow");
    assert.deepEqual(decideRoute({ killSwitch: false, cohort: false, shadow: false }, NAMES, "s"), {
      path: "legacy",
      reason: "no_flag",
      flags: { killSwitch: false, cohort: false, shadow: false },
      flag: "",
      source: "s",
    });
  });

  it("never leaves legacy unless a flag says so, and names the flag that decided", () => {
    fc.assert(
      fc.property(fc.option(fc.record({ killSwitch: fc.boolean(), cohort: fc.boolean(), shadow: fc.boolean() }), { nil: undefined }), (flags) => {
        const decision = decideRoute(flags, NAMES, "s");
        if (decision.path !== "legacy") assert.ok(flags && !flags.killSwitch && (flags.cohort || flags.shadow));
        if (decision.path === "new") assert.equal(decision.flag, "new");
        if (decision.path === "shadow") assert.equal(decision.flag, "shadow");
      }),
    );
  });
});
