import type { DepletionEstimate } from "../domain/depletion-estimate.js";
import type { LowStockAlert } from "../domain/low-stock-alert.js";
import type { StockRecordKey } from "../domain/stock-change.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/** Thrown when the estimator's position is not where the caller read it: another process moved it. */
export class EstimatorPositionMoved extends Error {
  override readonly name = "EstimatorPositionMoved";
  readonly code = "LOW_STOCK.POSITION_MOVED";

  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the low-stock estimator's position is ${actual}, not ${expected}: another process applied these changes`);
  }
}

/**
 * Port: the estimator's state, kept so a restart (or another replica taking over) forgets no rate,
 * and its position in the feed, written in the same transaction as the estimates and the alerts
 * they raised, so each change is applied exactly once.
 */
export interface DepletionEstimates {
  /** The feed position applied so far (0 before the first change). */
  position(): Promise<number>;
  /** The estimates of `keys`, locked until `tx` ends; records never seen are left out. */
  lock(tx: Transaction, keys: readonly StockRecordKey[]): Promise<DepletionEstimate[]>;
  /** Up to `limit` records running low after `after` (key order), locked until `tx` ends. */
  runningLow(tx: Transaction, limit: number, after: StockRecordKey | undefined): Promise<DepletionEstimate[]>;
  /**
   * Writes `estimates` and, when `move` is given, moves the position from `move.from` to `move.to`
   * (throws {@link EstimatorPositionMoved} when it was not at `move.from`).
   */
  save(tx: Transaction, estimates: readonly DepletionEstimate[], move?: { readonly from: number; readonly to: number }): Promise<void>;
  /** Records running low now, by location. */
  runningLowByLocation(): Promise<ReadonlyMap<string, number>>;
}

/**
 * Port: publishes alerts durably: they are written in `tx` (so they commit with the estimates that
 * raised them) and go to the bus later, like every event.
 */
export interface LowStockAlertOutbox {
  append(tx: Transaction, alerts: readonly LowStockAlert[]): Promise<void>;
}
