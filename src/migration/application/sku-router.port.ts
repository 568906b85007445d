import type { CountOutcome } from "../../inventory/domain/apply-stock-counts.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/** A new (not duplicate) count of a batch and its inbox row. */
export interface InboxCount {
  readonly inboxId: string;
  readonly count: StockCount;
}

/** What became of a routed count: applied or stale (new and shadow paths), or handed on to legacy. */
export type RouteOutcome = CountOutcome | { readonly kind: "forwarded" };

/** Port: sends each count of a batch down the path its stock record is on (legacy, shadow or new). */
export interface SkuRouter {
  /** Routes `counts` inside `tx` and returns one outcome per count, in order. */
  routeSkus(tx: Transaction, counts: readonly InboxCount[]): Promise<readonly RouteOutcome[]>;
}
