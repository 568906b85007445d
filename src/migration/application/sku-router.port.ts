import type { CountOutcome } from "../../inventory/domain/apply-stock-counts.js";
import type { MovementOutcome } from "../../inventory/domain/apply-stock-movements.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import type { StockMovement } from "../../inventory/domain/stock-movement.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/** A new (not duplicate) count of a batch and its inbox row. */
export interface InboxCount {
  readonly inboxId: string;
  readonly count: StockCount;
}

/** A new (not duplicate) movement of a batch and its inbox row. */
export interface InboxMovement {
  readonly inboxId: string;
  readonly movement: StockMovement;
}

/** What became of a routed count: applied or stale (new and shadow paths), or handed on to legacy. */
export type RouteOutcome = CountOutcome | { readonly kind: "forwarded" };

/** What became of a routed movement: applied, stale or refused (new and shadow paths), or handed on to legacy. */
export type MovementRouteOutcome = MovementOutcome | { readonly kind: "forwarded" };

/** Outcomes of one routed batch, one per count and one per movement, in order. */
export interface RoutedBatch {
  readonly counts: readonly RouteOutcome[];
  readonly movements: readonly MovementRouteOutcome[];
}

/** Port: sends each update of a batch down the path its stock record is on (legacy, shadow or new). */
export interface SkuRouter {
  /** Routes `counts`, then `movements`, inside `tx`. */
  routeSkus(tx: Transaction, counts: readonly InboxCount[], movements?: readonly InboxMovement[]): Promise<RoutedBatch>;
}
