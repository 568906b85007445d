import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

describe("configuration of reservations", () => {
  it("has defaults: 15 min time to live, 7 days at most, a sweep every second, a 5 s settle margin", () => {
    const config = loadConfig({});
    assert.deepEqual(
      [config.reservationDefaultTtlMs, config.reservationMaxTtlMs, config.reservationSweepIntervalMs, config.reservationSweepBatchSize],
      [900_000, 604_800_000, 1000, 500],
    );
    assert.deepEqual([config.shipmentSettleMs, config.reservedDriftCheckIntervalMs], [5000, 60_000]);
  });

  it("reads the variables in their units", () => {
    const config = loadConfig({ RESERVATION_SWEEP_INTERVAL_MS: "50", SHIPMENT_SETTLE_SECONDS: "0", RESERVED_DRIFT_CHECK_INTERVAL_SECONDS: "2" });
    assert.deepEqual([config.reservationSweepIntervalMs, config.shipmentSettleMs, config.reservedDriftCheckIntervalMs], [50, 0, 2000]);
  });

  it("refuses a default time to live above the maximum", () => {
    assert.throws(
      () => loadConfig({ RESERVATION_DEFAULT_TTL_SECONDS: "7200", RESERVATION_MAX_TTL_SECONDS: "3600" }),
      (error: unknown) => error instanceof ConfigError && /must not exceed RESERVATION_MAX_TTL_SECONDS/.test(error.message),
    );
    assert.throws(() => loadConfig({ RESERVATION_SWEEP_INTERVAL_MS: "5" }), /RESERVATION_SWEEP_INTERVAL_MS="5": must be a whole number from 10/);
  });
});
