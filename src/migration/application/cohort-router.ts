import type { StockCountApplier } from "../../inventory/application/stock-count-applier.js";
import type { StockMovementApplier } from "../../inventory/application/stock-movement-applier.js";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { StockCount } from "../../inventory/domain/stock-count.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { StockMovement } from "../../inventory/domain/stock-movement.js";
import type { Clock } from "../../shared/clock.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { neededSeeds } from "../domain/cutover-seeds.js";
import type { IngestionPath, RouteDecision } from "../domain/ingestion-path.js";
import { movementPath } from "../domain/movement-path.js";
import type { RoutingFlagNames } from "../domain/route-decision.js";
import type { FeatureFlags } from "./feature-flags.port.js";
import type { LegacyHandoff, LegacyInventory } from "./legacy-inventory.port.js";
import { decideRecords } from "./record-decisions.js";
import type { RecordDecision, RouteLedger } from "./route-ledger.port.js";
import type { InboxCount, InboxMovement, InboxRouting, MovementRouteOutcome, RoutedBatch, RouteOutcome, RoutingPlan, SkuRouter } from "./sku-router.port.js";

/** Told how many updates went down each path, and how many records were cut over. */
export interface RoutingObserver {
  routed(counts: Readonly<Record<IngestionPath, number>>, cutovers: number): void;
}

/** Appliers of one store: counts and movements with the same domain rules. */
export interface StockAppliers {
  readonly counts: StockCountApplier;
  readonly movements: StockMovementApplier;
}

/** What the router drives: the ledger, legacy, and the appliers of the shadow projection and of live stock. */
export interface CohortRouterParts {
  readonly flags: FeatureFlags;
  readonly flagNames: RoutingFlagNames;
  readonly ledger: RouteLedger;
  readonly legacy: LegacyInventory;
  /** Applies updates to the shadow projection (same domain rules, events discarded). */
  readonly shadow: StockAppliers;
  /** Applies updates to stock and appends their events to the outbox. */
  readonly live: StockAppliers;
  readonly clock: Clock;
  readonly observer?: RoutingObserver;
}

type ByPath = Record<IngestionPath, number[]>;

/**
 * The strangler router: plans a batch by evaluating the flags once per stock record (before the inbox
 * stores the batch, so inbox rows are written with their path at once), then, inside the batch's
 * transaction, hands legacy and shadow updates on to legacy, computes shadow updates into
 * the shadow projection, and applies new-path updates to stock. A movement takes the least advanced
 * path of the records its legs touch. A record that moves to the new path is first seeded from its
 * latest WMS count. Inbox rows (via the plan) and events record the path and flag state that decided them.
 */
export class CohortRouter implements SkuRouter {
  constructor(private readonly parts: CohortRouterParts) {}

  plan(counts: readonly StockCount[], movements: readonly StockMovement[]): RoutingPlan {
    const decisions = decideRecords(this.parts.flags, this.parts.flagNames, recordsOf(counts, movements));
    const routing = (decision: RouteDecision): InboxRouting => ({ decision, status: STATUS[decision.path] });
    return {
      decisions,
      ofCount: (c) => routing(decisions.get(stockKey(c.sku, c.locationId))!.decision),
      ofMovement: (m) => {
        const legs = m.legs.map((leg) => decisions.get(stockKey(m.sku, leg.locationId))!.decision);
        const path = movementPath(legs.map((d) => d.path));
        return routing(legs.find((d) => d.path === path)!);
      },
    };
  }

  async routeSkus(tx: Transaction, plan: RoutingPlan, counts: readonly InboxCount[], movements: readonly InboxMovement[] = []): Promise<RoutedBatch> {
    if (counts.length === 0 && movements.length === 0) return { counts: [], movements: [] };
    const { ledger, legacy, clock } = this.parts;
    const at = clock.now();
    const touched = new Set(recordsOf(counts.map((c) => c.count), movements.map((m) => m.movement)).map((r) => stockKey(r.sku, r.locationId)));
    const previous = await ledger.recordDecisions(tx, [...plan.decisions.entries()].filter(([key]) => touched.has(key)).map(([, d]) => d), at);
    const countDecision = (c: StockCount): RouteDecision => plan.ofCount(c).decision;
    const moveDecision = (m: StockMovement): RouteDecision => plan.ofMovement(m).decision;
    const countPaths = partition(counts.map((c) => countDecision(c.count).path));
    const movePaths = partition(movements.map((m) => moveDecision(m.movement).path));

    const countOutcomes: RouteOutcome[] = new Array(counts.length);
    const moveOutcomes: MovementRouteOutcome[] = new Array(movements.length);
    for (const i of countPaths.legacy) countOutcomes[i] = { kind: "forwarded" };
    for (const i of movePaths.legacy) moveOutcomes[i] = { kind: "forwarded" };
    const shadowCounts = await this.parts.shadow.counts.apply(tx, countPaths.shadow.map((i) => counts[i]!.count));
    countPaths.shadow.forEach((i, j) => (countOutcomes[i] = shadowCounts[j]!));
    const shadowMoves = await this.parts.shadow.movements.apply(tx, movePaths.shadow.map((i) => movements[i]!.movement));
    movePaths.shadow.forEach((i, j) => (moveOutcomes[i] = shadowMoves[j]!));

    const liveCounts = countPaths.new.map((i) => ({ ...counts[i]!.count, route: { decision: countDecision(counts[i]!.count) } }));
    const liveMoves = movePaths.new.map((i) => ({ ...movements[i]!.movement, route: { decision: moveDecision(movements[i]!.movement) } }));
    const exceptIds = [...countPaths.new.map((i) => counts[i]!.inboxId), ...movePaths.new.map((i) => movements[i]!.inboxId)];
    const cutovers = await this.seedCutovers(tx, liveCounts, liveMoves, plan.decisions, previous, exceptIds);
    const appliedCounts = await this.parts.live.counts.apply(tx, liveCounts);
    countPaths.new.forEach((i, j) => (countOutcomes[i] = appliedCounts[j]!));
    const appliedMoves = await this.parts.live.movements.apply(tx, liveMoves);
    movePaths.new.forEach((i, j) => (moveOutcomes[i] = appliedMoves[j]!));

    // Last: the hand-off holds legacy's feed order until the transaction commits (see LegacyInventory.handOn).
    await legacy.handOn(tx, [
      ...[...countPaths.legacy, ...countPaths.shadow].map((i) => handoff(counts[i]!, countDecision(counts[i]!.count).path)),
      ...[...movePaths.legacy, ...movePaths.shadow].map((i) => handoff(movements[i]!, moveDecision(movements[i]!.movement).path)),
    ].sort((a, b) => Number(a.inboxId) - Number(b.inboxId)), at);

    const total = (path: IngestionPath) => countPaths[path].length + movePaths[path].length;
    this.parts.observer?.routed({ legacy: total("legacy"), shadow: total("shadow"), new: total("new") }, cutovers);
    return { counts: countOutcomes, movements: moveOutcomes };
  }

  /**
   * Seeds each record that moves to the new path with this batch from its latest WMS count, before
   * the batch is applied (so the batch's updates are judged against it). Returns the records cut over
   * (those that were on legacy or shadow; a record seen for the first time is not one).
   */
  private async seedCutovers(
    tx: Transaction,
    counts: readonly StockCount[],
    movements: readonly StockMovement[],
    decisions: ReadonlyMap<string, RecordDecision>,
    previous: ReadonlyMap<string, IngestionPath>,
    exceptInboxIds: readonly string[],
  ): Promise<number> {
    const touched = new Map<string, StockRecordKey>();
    for (const c of counts) touched.set(stockKey(c.sku, c.locationId), { sku: c.sku, locationId: c.locationId });
    for (const m of movements) for (const leg of m.legs) touched.set(stockKey(m.sku, leg.locationId), { sku: m.sku, locationId: leg.locationId });
    // Records coming from legacy or shadow. One never routed before is new, not cut over, and has no
    // WMS count in the inbox but this batch's (every stored count is routed in its own transaction).
    const moving = [...touched.entries()].filter(([key]) => previous.has(key) && previous.get(key) !== "new").map(([, record]) => record);
    if (moving.length === 0) return 0;
    const latest = await this.parts.ledger.latestCounts(tx, moving, exceptInboxIds);
    const seededFrom = new Map(latest.map((l) => [stockKey(l.count.sku, l.count.locationId), l.seededFrom]));
    const seeds = neededSeeds(latest.map((l) => l.count), counts).map((seed) => {
      const key = stockKey(seed.sku, seed.locationId);
      return { ...seed, route: { decision: decisions.get(key)!.decision, cutover: { from: previous.get(key), seededFrom: seededFrom.get(key)! } } };
    });
    if (seeds.length > 0) await this.parts.live.counts.apply(tx, seeds);
    return moving.length;
  }
}

const STATUS: Readonly<Record<IngestionPath, InboxRouting["status"]>> = { legacy: "forwarded", shadow: "shadowed", new: "applied" };

function handoff(update: InboxCount | InboxMovement, path: IngestionPath): LegacyHandoff {
  const base = { inboxId: update.inboxId, path: path as "legacy" | "shadow" };
  return update.received ? { ...base, received: update.received } : base;
}

function recordsOf(counts: readonly StockCount[], movements: readonly StockMovement[]): StockRecordKey[] {
  return [
    ...counts.map((count) => ({ sku: count.sku, locationId: count.locationId })),
    ...movements.flatMap((movement) => movement.legs.map((leg) => ({ sku: movement.sku, locationId: leg.locationId }))),
  ];
}

function partition(paths: readonly IngestionPath[]): ByPath {
  const byPath: ByPath = { legacy: [], shadow: [], new: [] };
  paths.forEach((path, index) => byPath[path].push(index));
  return byPath;
}
