import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

describe("low-stock alert configuration", () => {
  it("is off by default, with a 4 h horizon, a 1 h half-life, a clear factor of 1.5 and a sweep a minute", () => {
    assert.deepEqual(loadConfig({}).lowStock, { enabled: false, horizonMs: 4 * 3_600_000, halfLifeMs: 3_600_000, clearFactor: 1.5, sweepIntervalMs: 60_000 });
  });

  it("reads every setting; minutes may have decimals", () => {
    const config = loadConfig({ LOW_STOCK_ALERTS: "true", LOW_STOCK_HORIZON_MINUTES: "90", LOW_STOCK_HALF_LIFE_MINUTES: "7.5", LOW_STOCK_CLEAR_FACTOR: "2", LOW_STOCK_SWEEP_SECONDS: "5" }).lowStock;
    assert.deepEqual(config, { enabled: true, horizonMs: 90 * 60_000, halfLifeMs: 450_000, clearFactor: 2, sweepIntervalMs: 5000 });
  });

  for (const [name, value] of [
    ["LOW_STOCK_HORIZON_MINUTES", "0"],
    ["LOW_STOCK_HORIZON_MINUTES", "-30"],
    ["LOW_STOCK_HORIZON_MINUTES", "four hours"],
    ["LOW_STOCK_HALF_LIFE_MINUTES", "0.0"],
    ["LOW_STOCK_HALF_LIFE_MINUTES", "Infinity"],
    ["LOW_STOCK_HALF_LIFE_MINUTES", "1e400"],
    ["LOW_STOCK_CLEAR_FACTOR", "0.9"],
  ] as const) {
    it(`refuses ${name}=${value}, naming the variable, even with the alerts off`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && error.problems[0]!.startsWith(`${name}: "${value}": must be`),
      );
    });
  }
});
