import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { CutoverSeed, IngestionPath, RouteDecision } from "../domain/ingestion-path.js";

/** One stock record's decision for this batch. */
export interface RecordDecision extends StockRecordKey {
  readonly decision: RouteDecision;
}

/** The latest known count of a record about to move to the new path. */
export interface LatestCount {
  readonly count: StockCount;
  readonly seededFrom: CutoverSeed["seededFrom"];
}

/** Port: where routing decisions are kept (`sku_routes`, and the path columns of the inbox). */
export interface RouteLedger {
  /**
   * Locks the records' routes for the rest of `tx`, stores the decisions that changed (or are new)
   * and returns each record's previous path by `stockKey` (absent: never routed before).
   */
  recordDecisions(tx: Transaction, decisions: readonly RecordDecision[], at: Date): Promise<Map<string, IngestionPath>>;
  /**
   * What each record holds by the WMS's latest word: its newest count (marked as coming from the
   * shadow projection when it is the one the projection holds, whose on_hand then stands, movements
   * since included), else that count plus the single-leg movements taken in after it. Rows in
   * `exceptInboxIds` (the batch itself) are left out. A transfer's second leg is not in the inbox's
   * columns, so a record cut over straight from legacy can miss one until its next count.
   */
  latestCounts(tx: Transaction, keys: readonly StockRecordKey[], exceptInboxIds: readonly string[]): Promise<LatestCount[]>;
}
