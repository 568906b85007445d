import type { CountOutcome } from "../../inventory/domain/apply-stock-counts.js";
import type { MovementOutcome } from "../../inventory/domain/apply-stock-movements.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import type { StockMovement } from "../../inventory/domain/stock-movement.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { RouteDecision } from "../domain/ingestion-path.js";
import type { ReceivedPayload } from "./legacy-inventory.port.js";
import type { RecordDecision } from "./route-ledger.port.js";

/** A new (not duplicate) count of a batch and its inbox row. */
export interface InboxCount {
  readonly inboxId: string;
  readonly count: StockCount;
  /** The update as received, for legacy (given for counts on the legacy and shadow paths). */
  readonly received?: ReceivedPayload;
}

/** A new (not duplicate) movement of a batch and its inbox row. */
export interface InboxMovement {
  readonly inboxId: string;
  readonly movement: StockMovement;
  /** The update as received, for legacy (given for movements on the legacy and shadow paths). */
  readonly received?: ReceivedPayload;
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

/** How the inbox records an update's routing: the decision, and the status it is stored with. */
export interface InboxRouting {
  readonly decision: RouteDecision;
  /** `forwarded` (legacy only), `shadowed` (legacy and shadow projection) or `applied` (new path). */
  readonly status: "forwarded" | "shadowed" | "applied";
}

/** The routing of one batch, decided from the flags before anything is written. */
export interface RoutingPlan {
  /** One decision per stock record of the batch, by `stockKey`. */
  readonly decisions: ReadonlyMap<string, RecordDecision>;
  /** The routing of a count (its record's decision). */
  ofCount(count: StockCount): InboxRouting;
  /** The routing of a movement (the least advanced path of the records its legs touch). */
  ofMovement(movement: StockMovement): InboxRouting;
}

/** Port: sends each update of a batch down the path its stock record is on (legacy, shadow or new). */
export interface SkuRouter {
  /** Decides the routing of a batch's updates (flags evaluated locally; no I/O). */
  plan(counts: readonly StockCount[], movements: readonly StockMovement[]): RoutingPlan;
  /** Routes `counts`, then `movements`, inside `tx`, as `plan` decided. */
  routeSkus(tx: Transaction, plan: RoutingPlan, counts: readonly InboxCount[], movements?: readonly InboxMovement[]): Promise<RoutedBatch>;
}
