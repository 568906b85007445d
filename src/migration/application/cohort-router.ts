import type { StockCountApplier } from "../../inventory/application/stock-count-applier.js";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { Clock } from "../../shared/clock.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { neededSeeds } from "../domain/cutover-seeds.js";
import type { FlagStates, IngestionPath, RouteDecision } from "../domain/ingestion-path.js";
import { decideRoute, type RoutingFlagNames } from "../domain/route-decision.js";
import type { FeatureFlags } from "./feature-flags.port.js";
import type { LegacyInventory } from "./legacy-inventory.port.js";
import type { InboxRoute, RecordDecision, RouteLedger } from "./route-ledger.port.js";
import type { InboxCount, RouteOutcome, SkuRouter } from "./sku-router.port.js";

/** Told how many counts went down each path, and how many records were cut over. */
export interface RoutingObserver {
  routed(counts: Readonly<Record<IngestionPath, number>>, cutovers: number): void;
}

/** What the router drives: the ledger, legacy, and the appliers of the shadow projection and of live stock. */
export interface CohortRouterParts {
  readonly flags: FeatureFlags;
  readonly flagNames: RoutingFlagNames;
  readonly ledger: RouteLedger;
  readonly legacy: LegacyInventory;
  /** Applies counts to the shadow projection (same domain rules, events discarded). */
  readonly shadow: StockCountApplier;
  /** Applies counts to stock and appends their events to the outbox. */
  readonly live: StockCountApplier;
  readonly clock: Clock;
  readonly observer?: RoutingObserver;
}

/**
 * The strangler router: evaluates the flags once per stock record of a batch (locally, from the
 * flag client's cache), then, inside the batch's transaction, hands legacy and shadow updates on to
 * legacy, computes shadow updates into the shadow projection, and applies new-path updates to stock.
 * A record that moves to the new path is first seeded from its latest WMS count. Inbox rows and
 * events record the path and flag state that decided them.
 */
export class CohortRouter implements SkuRouter {
  constructor(private readonly parts: CohortRouterParts) {}

  async routeSkus(tx: Transaction, counts: readonly InboxCount[]): Promise<readonly RouteOutcome[]> {
    if (counts.length === 0) return [];
    const { ledger, legacy, clock } = this.parts;
    const at = clock.now();
    const decisions = this.decide(counts.map((c) => c.count));
    const previous = await ledger.recordDecisions(tx, [...decisions.values()], at);
    const decisionOf = (count: StockCount): RouteDecision => decisions.get(stockKey(count.sku, count.locationId))!.decision;
    const byPath: Record<IngestionPath, number[]> = { legacy: [], shadow: [], new: [] };
    counts.forEach((c, index) => byPath[decisionOf(c.count).path].push(index));

    const outcomes: RouteOutcome[] = new Array(counts.length);
    const handoffs = [...byPath.legacy, ...byPath.shadow].sort((a, b) => a - b);
    await legacy.handOn(tx, handoffs.map((i) => ({ inboxId: counts[i]!.inboxId, path: decisionOf(counts[i]!.count).path as "legacy" | "shadow" })), at);
    for (const i of byPath.legacy) outcomes[i] = { kind: "forwarded" };
    const shadowOutcomes = await this.parts.shadow.apply(tx, byPath.shadow.map((i) => counts[i]!.count));
    byPath.shadow.forEach((i, j) => (outcomes[i] = shadowOutcomes[j]!));
    const cutovers = await this.applyNew(tx, counts, byPath.new, decisions, previous, outcomes);

    const routes: InboxRoute[] = counts.map((c) => {
      const decision = decisionOf(c.count);
      const status = decision.path === "legacy" ? "forwarded" : decision.path === "shadow" ? "shadowed" : "applied";
      return { inboxId: c.inboxId, decision, status };
    });
    await ledger.markInbox(tx, routes);
    this.parts.observer?.routed({ legacy: byPath.legacy.length, shadow: byPath.shadow.length, new: byPath.new.length }, cutovers);
    return outcomes;
  }

  private async applyNew(
    tx: Transaction,
    counts: readonly InboxCount[],
    indices: readonly number[],
    decisions: ReadonlyMap<string, RecordDecision>,
    previous: ReadonlyMap<string, IngestionPath>,
    outcomes: RouteOutcome[],
  ): Promise<number> {
    if (indices.length === 0) return 0;
    const stamped = indices.map((i) => {
      const count = counts[i]!.count;
      return { ...count, route: { decision: decisions.get(stockKey(count.sku, count.locationId))!.decision } };
    });
    const moving = [...new Map(stamped.map((c) => [stockKey(c.sku, c.locationId), c])).entries()]
      .filter(([key]) => previous.get(key) !== "new")
      .map(([, c]): StockRecordKey => ({ sku: c.sku, locationId: c.locationId }));
    const latest = moving.length === 0 ? [] : await this.parts.ledger.latestCounts(tx, moving, indices.map((i) => counts[i]!.inboxId));
    const seededFrom = new Map(latest.map((l) => [stockKey(l.count.sku, l.count.locationId), l.seededFrom]));
    const seeds = neededSeeds(latest.map((l) => l.count), stamped).map((seed) => {
      const key = stockKey(seed.sku, seed.locationId);
      const cutover = { from: previous.get(key), seededFrom: seededFrom.get(key)! };
      return { ...seed, route: { decision: decisions.get(key)!.decision, cutover } };
    });
    // Seeds first, on their own: they set the record's watermark, which the batch's counts are then judged against.
    if (seeds.length > 0) await this.parts.live.apply(tx, seeds);
    const applied = await this.parts.live.apply(tx, stamped);
    indices.forEach((i, j) => (outcomes[i] = applied[j]!));
    return moving.length;
  }

  /** One decision per stock record, from flags evaluated locally; anything that cannot be evaluated is legacy. */
  private decide(counts: readonly StockCount[]): Map<string, RecordDecision> {
    const { flags, flagNames } = this.parts;
    const source = flags.status().source;
    const decisions = new Map<string, RecordDecision>();
    for (const { sku, locationId } of counts) {
      const key = stockKey(sku, locationId);
      if (decisions.has(key)) continue;
      decisions.set(key, { sku, locationId, decision: decideRoute(this.flagStates(sku, locationId), flagNames, source) });
    }
    return decisions;
  }

  private flagStates(sku: string, location: string): FlagStates | undefined {
    const { flags, flagNames } = this.parts;
    const context = { sku, location };
    try {
      const killSwitch = flags.isEnabled(flagNames.killSwitch, context);
      const cohort = flags.isEnabled(flagNames.cohort, context);
      const shadow = flags.isEnabled(flagNames.shadow, context);
      if (killSwitch === undefined || cohort === undefined || shadow === undefined) return undefined;
      return { killSwitch, cohort, shadow };
    } catch {
      return undefined;
    }
  }
}
