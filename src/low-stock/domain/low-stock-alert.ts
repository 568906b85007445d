import type { StockRecordKey } from "./stock-change.js";

/** What every low-stock alert carries: the estimate it was made from. */
interface AlertEstimate extends StockRecordKey {
  /** Unique per alert (a UUIDv7); the bus's message id. */
  readonly eventId: string;
  readonly available: number;
  /** Estimated outbound movement, units per hour. */
  readonly ratePerHour: number;
  /** When available reaches zero at that rate; undefined when the rate is zero (never). */
  readonly expectedStockoutAt: Date | undefined;
  readonly horizonMs: number;
  readonly halfLifeMs: number;
  /** The record's version the estimate was computed at. */
  readonly stockVersion: number;
  /** When the estimate was made. */
  readonly at: Date;
}

/** A record is expected to run out within the horizon. */
export interface StockRunningLow extends AlertEstimate {
  readonly type: "StockRunningLow";
}

/** Why a running-low alert cleared. */
export type ClearReason = "restocked" | "demand_eased";

/** A record that was running low no longer is. */
export interface StockRunningLowCleared extends AlertEstimate {
  readonly type: "StockRunningLowCleared";
  readonly reason: ClearReason;
  /** The event id of the {@link StockRunningLow} this clears. */
  readonly raisedEventId: string;
}

/** Either low-stock alert. */
export type LowStockAlert = StockRunningLow | StockRunningLowCleared;
