import type { EnvReader } from "./env-reader.js";

/** Predictive low-stock alerts (see docs/low-stock-alerts.md). */
export interface LowStockConfig {
  /** Whether the monitor runs (on the replica holding its lease) and alerts are published. */
  readonly enabled: boolean;
  /** Raise when a record's expected stockout is closer than this. */
  readonly horizonMs: number;
  /** Half-life of the exponentially weighted depletion rate. */
  readonly halfLifeMs: number;
  /** Clear once the expected stockout is further than horizon × this (hysteresis). */
  readonly clearFactor: number;
  /** How often records running low are looked at again without a change. */
  readonly sweepIntervalMs: number;
}

const MINUTE_MS = 60_000;

/**
 * Reads the low-stock settings. The horizon and the half-life must be positive numbers of minutes
 * (decimals allowed); anything else stops the start with the variable named, even while the
 * alerts are off, so switching them on never meets a bad value late.
 */
export function readLowStock(read: EnvReader): LowStockConfig {
  return {
    enabled: read.boolean("LOW_STOCK_ALERTS", false),
    horizonMs: positiveMinutes(read, "LOW_STOCK_HORIZON_MINUTES", 240),
    halfLifeMs: positiveMinutes(read, "LOW_STOCK_HALF_LIFE_MINUTES", 60),
    clearFactor: read.parsed("LOW_STOCK_CLEAR_FACTOR", (raw) => number(raw, 1, "a number of at least 1 (1.5: clear once the stockout is 1.5 × the horizon away)")) ?? 1.5,
    sweepIntervalMs: read.integer("LOW_STOCK_SWEEP_SECONDS", 60, 1, 86_400) * 1000,
  };
}

function positiveMinutes(read: EnvReader, name: string, fallback: number): number {
  return (read.parsed(name, (raw) => number(raw, Number.MIN_VALUE, "a positive number of minutes")) ?? fallback) * MINUTE_MS;
}

function number(raw: string, min: number, rule: string): number {
  const value = Number(raw);
  if (!/^[+]?(\d+(\.\d*)?|\.\d+)$/.test(raw) || !Number.isFinite(value) || value < min) throw new Error(`${JSON.stringify(raw)}: must be ${rule}`);
  return value;
}
