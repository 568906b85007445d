import type { ObservedStockChange } from "../domain/stock-change.js";

/** What one read of the feed returned. */
export interface StockChangeRead {
  /** The stock changes read, in stream order (per record: commit order). */
  readonly changes: readonly ObservedStockChange[];
  /**
   * The position of the last message read, stock change or not (the feed also carries the
   * alerts themselves, which are skipped); the position passed in when nothing was read.
   */
  readonly position: number;
}

/**
 * Port: the committed stock changes in the order the stream holds them, from a position on. The
 * position is the stream's (a sequence number); the estimator keeps it with its state.
 */
export interface StockChangeFeed {
  /** Up to `max` messages after `position`, waiting up to `waitMs` for the first. */
  read(position: number, max: number, waitMs: number): Promise<StockChangeRead>;
  /** Where the stream ends now (its last position), or undefined when the bus cannot say. */
  end(): Promise<number | undefined>;
  /** Closes the feed's connection. */
  close(): Promise<void>;
}
