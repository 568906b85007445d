import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/** One inbox row to hand on to legacy, and the path that hands it on. */
export interface LegacyHandoff {
  readonly inboxId: string;
  readonly path: "legacy" | "shadow";
}

/** A finished run of the legacy sync. */
export interface LegacyRun {
  readonly runId: string;
  readonly finishedAt: Date;
  /** The last hand-off (feed id) the run took in; later ones are still in flight. */
  readonly fedThrough: bigint;
}

/**
 * Port: the legacy integration that keeps running during the migration. Updates of legacy and
 * shadow records are handed on to it unchanged; its counts and runs can be read for comparison.
 */
export interface LegacyInventory {
  /**
   * Hands the raw updates behind `handoffs` on to legacy, in the transaction that routed them, with
   * feed ids in commit order: a second transaction handing on waits until the first has committed,
   * so legacy never sees a feed id before a lower one. Call it last in the transaction, after every
   * row lock it needs (the wait lasts until commit).
   */
  handOn(tx: Transaction, handoffs: readonly LegacyHandoff[], at: Date): Promise<void>;
  /** Legacy's on-hand of each record it knows, by `stockKey`. */
  counts(keys: readonly StockRecordKey[]): Promise<Map<string, number>>;
  /** Of `keys`, those (by `stockKey`) handed on after feed id `fedThrough`: legacy has not seen them yet. */
  inFlight(keys: readonly StockRecordKey[], fedThrough: bigint): Promise<Set<string>>;
  /** The newest finished legacy run, if any. */
  latestRun(): Promise<LegacyRun | undefined>;
}
