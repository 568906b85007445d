import type { ShortfallRegister } from "../../inventory/application/count-settlement.port.js";
import type { StockRecordKey, StockRepository } from "../../inventory/application/stock-repository.port.js";
import { shortageOf, shortfallOf } from "../../inventory/domain/shortfall.js";
import { stockKey, type StockLevel } from "../../inventory/domain/stock-level.js";
import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { Clock } from "../../shared/clock.js";
import { AbortedError, FailedPreconditionError, NotFoundError } from "../../shared/errors.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Transaction, UnitOfWork } from "../../shared/unit-of-work.js";
import type { Actor, AuditAction } from "../domain/audit-entry.js";
import { RESOLUTIONS } from "../domain/discrepancy.js";
import { correctStock } from "../domain/stock-correction.js";
import type { OverrideReason, StockOverride } from "../domain/stock-override.js";
import type { AuditLog } from "./audit-log.port.js";
import { stockState } from "./auto-resolution.js";
import type { ReconciliationObserver } from "./reconciliation-observer.port.js";
import type { ClosedDiscrepancy, DiscrepancyStore, StockOwnership } from "./reconciliation-store.port.js";

/** The stores an override writes, all in one transaction. */
export interface OverrideStores {
  readonly stock: StockRepository;
  readonly ownership: StockOwnership;
  readonly discrepancies: DiscrepancyStore;
  readonly shortfalls: ShortfallRegister;
  readonly outbox: EventOutbox;
  readonly audit: AuditLog;
}

/** What an override did. */
export interface OverrideOutcome {
  readonly level: StockLevel;
  readonly eventId: string;
  readonly closed: readonly ClosedDiscrepancy[];
  /** reserved − on_hand when the count left a shortfall; 0 otherwise. */
  readonly shortfall: number;
  readonly auditId: number;
}

/** One operator decision that sets a record's on_hand. */
export interface CountDecision extends StockRecordKey {
  readonly countedOnHand: number;
  readonly expectedOnHand: number;
  readonly reason: OverrideReason;
  readonly note: string;
  /** The discrepancy decided on; 0 for a plain override. */
  readonly discrepancyId: number;
  /** How the record's open discrepancies are closed, and what the audit log calls it. */
  readonly resolution: string;
  readonly action: AuditAction;
}

/**
 * Use case: an operator sets a counted on_hand (`overrideStockCount`). In ONE transaction: the record
 * is locked; if its on_hand is not the value the operator saw, `Aborted` with the current value;
 * otherwise the count is applied like a WMS count (version, watermark: WMS updates observed before
 * it are stale from now on, the next one observed after it wins), the record's open count mismatch
 * (and its shortfall, if cleared) is resolved, a count below reserved is recorded as a shortfall, and
 * the `StockOverridden` event and an audit entry are written.
 */
export class StockOverrides {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stores: OverrideStores,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly observer: ReconciliationObserver,
  ) {}

  /** Applies `override` for `actor`. */
  async override(override: StockOverride, actor: Actor, requestId: string): Promise<OverrideOutcome> {
    const decision: CountDecision = { ...override, discrepancyId: 0, resolution: RESOLUTIONS.override, action: "stock_overridden" };
    const outcome = await this.unitOfWork.run((tx) => this.decide(tx, decision, actor, requestId));
    this.observer.discrepanciesClosed(outcome.closed, "operator", this.clock.now());
    return outcome;
  }

  /** Applies `decision` inside the caller's transaction (also used when an operator accepts a WMS count). */
  async decide(tx: Transaction, decision: CountDecision, actor: Actor, requestId: string): Promise<OverrideOutcome> {
    const key = { sku: decision.sku, locationId: decision.locationId };
    const owner = await this.stores.ownership.describe(tx, key);
    if (!owner.skuKnown) throw new NotFoundError("INVENTORY.NOT_FOUND", `no stock recorded for SKU "${decision.sku}"`);
    if (owner.path === "legacy" || owner.path === "shadow") {
      throw new FailedPreconditionError(
        "RECONCILIATION.NOT_OWNED",
        `${decision.sku} at ${decision.locationId} is on the ${owner.path} path: legacy owns its stock; correct it there, or move the SKU to the new path first`,
      );
    }
    const before = (await this.stores.stock.lockForUpdate(tx, [key])).get(stockKey(key.sku, key.locationId))!;
    if (before.onHand !== decision.expectedOnHand) throw staleExpectation(before, decision.expectedOnHand);
    const at = this.clock.now();
    const cause = {
      kind: "operator" as const,
      actor: actor.name,
      reason: decision.reason,
      note: decision.note,
      requestId,
      expectedOnHand: decision.expectedOnHand,
      discrepancyId: decision.discrepancyId,
    };
    const { level, events } = correctStock(before, { onHand: decision.countedOnHand, observedAt: at, cause }, at, this.ids);
    const short = shortfallOf(level);
    await this.stores.stock.saveCounts(tx, [level]);
    const closing = { status: "resolved" as const, resolution: decision.resolution, resolvedBy: actor.name, note: decision.note, at };
    const closed = await this.stores.discrepancies.closeOpenOf(tx, key, closing, !short);
    await this.stores.shortfalls.record(tx, short ? [short] : [], [], at);
    await this.stores.outbox.append(tx, events);
    const eventId = events[0]!.eventId;
    const [auditId] = await this.stores.audit.append(tx, [
      {
        actor,
        action: decision.action,
        sku: decision.sku,
        locationId: decision.locationId,
        before: stockState(before),
        after: stockState(level),
        reason: decision.reason,
        note: decision.note,
        requestId,
        details: { expectedOnHand: decision.expectedOnHand, eventId, discrepancyId: decision.discrepancyId, closedDiscrepancyIds: closed.map((c) => c.id) },
        at,
      },
    ]);
    return { level, eventId, closed, shortfall: shortageOf(level), auditId: auditId! };
  }
}

function staleExpectation(current: StockLevel, expected: number): AbortedError {
  return new AbortedError(
    "RECONCILIATION.STALE_EXPECTATION",
    `on_hand of ${current.sku} at ${current.locationId} is ${current.onHand}, not the expected ${expected}: it changed since you looked; nothing was changed, decide again on the current value`,
    {
      sku: current.sku,
      location_id: current.locationId,
      expected_on_hand: String(expected),
      current_on_hand: String(current.onHand),
      current_reserved: String(current.reserved),
      current_version: String(current.version),
    },
  );
}
