import type { IdGenerator } from "../../shared/ids.js";
import type { InventoryEvent } from "./inventory-event.js";
import { NO_NON_SELLABLE, nonSellableChange, type NonSellable } from "./non-sellable.js";
import type { CountReason } from "./stock-count.js";
import { quantitiesOf, stockKey, type StockLevel, type WmsWatermark } from "./stock-level.js";
import type { MovementKind, MovementLeg, StockMovement } from "./stock-movement.js";

/** What happened to one movement. */
export type MovementOutcome =
  | { readonly kind: "applied"; readonly eventIds: readonly string[] }
  | { readonly kind: "stale" }
  | { readonly kind: "refused"; readonly field: string; readonly code: string; readonly reason: string };

/** The result of applying movements: one outcome per movement (same order), the changed records, the events. */
export interface AppliedMovements {
  readonly outcomes: readonly MovementOutcome[];
  readonly changed: readonly StockLevel[];
  readonly events: readonly InventoryEvent[];
}

const REASONS: Record<MovementKind, CountReason> = {
  receipt: "received",
  pick: "shipped",
  ship: "shipped",
  adjustment: "adjusted",
  transfer: "adjusted",
};

/**
 * Applies WMS movements (signed deltas) to the current stock records, which the caller has locked
 * and to which this batch's counts were already applied. Pure: no I/O.
 *
 * Rules:
 * - Movements are applied in (sku, wms_id, sequence) order, whatever their order in the batch.
 * - A leg is stale when the record's newest absolute count (`watermark`) already includes it:
 *   same source with a sequence at or below the count's, or another source observed before it.
 *   A movement whose legs are all stale changes nothing.
 * - A movement that would take any quantity below zero is refused whole, with the quantities in the
 *   reason, and changes nothing: we never invent stock to absorb it, and we never clamp (a clamped
 *   number is one downstream could not tell from a true one). It usually means a receipt or a count
 *   is missing; it stays in the inbox as rejected and can be replayed once the gap is healed.
 * - Every applied leg bumps its record's version and emits `StockMoved` with the leg's delta.
 */
export function applyStockMovements(
  current: ReadonlyMap<string, StockLevel>,
  movements: readonly StockMovement[],
  at: Date,
  ids: IdGenerator,
): AppliedMovements {
  const levels = new Map(current);
  const changedKeys = new Set<string>();
  const outcomes: MovementOutcome[] = new Array(movements.length);
  const events: InventoryEvent[] = [];

  for (const index of applicationOrder(movements)) {
    const movement = movements[index]!;
    const legs = movement.legs.filter((leg) => !isCovered(loaded(levels, movement, leg).watermark, movement));
    if (legs.length === 0) {
      outcomes[index] = { kind: "stale" };
      continue;
    }
    const planned = new Map<string, StockLevel>();
    let refusal: MovementOutcome | undefined;
    for (const leg of legs) {
      const key = stockKey(movement.sku, leg.locationId);
      const level = planned.get(key) ?? loaded(levels, movement, leg);
      const next = moved(level, leg);
      if (next === undefined) {
        refusal = belowZero(movement, leg, level);
        break;
      }
      planned.set(key, next);
    }
    if (refusal) {
      outcomes[index] = refusal;
      continue;
    }
    const eventIds: string[] = [];
    for (const leg of legs) {
      const key = stockKey(movement.sku, leg.locationId);
      const before = levels.get(key)!;
      const after = stamped(moved(before, leg)!, movement, at);
      const event = movedEvent(before, after, leg, movement, ids.next(), at);
      levels.set(key, after);
      changedKeys.add(key);
      events.push(event);
      eventIds.push(event.eventId);
    }
    outcomes[index] = { kind: "applied", eventIds };
  }
  return { outcomes, changed: [...changedKeys].map((key) => levels.get(key)!), events };
}

function loaded(levels: ReadonlyMap<string, StockLevel>, movement: StockMovement, leg: MovementLeg): StockLevel {
  const level = levels.get(stockKey(movement.sku, leg.locationId));
  if (!level) throw new Error(`stock record ${movement.sku}@${leg.locationId} was not loaded`);
  return level;
}

/** True when the absolute count behind `countWatermark` already includes `movement`. */
export function isCovered(countWatermark: WmsWatermark | undefined, movement: StockMovement): boolean {
  if (!countWatermark) return false;
  if (countWatermark.wmsId === movement.origin.wmsId) return movement.origin.sequence <= countWatermark.sequence;
  return movement.observedAt.getTime() < countWatermark.observedAt.getTime();
}

/** `level` with `leg` applied, or undefined when a quantity would go below zero. */
function moved(level: StockLevel, leg: MovementLeg): StockLevel | undefined {
  const nonSellable: NonSellable = level.nonSellable ?? NO_NON_SELLABLE;
  switch (leg.status) {
    case "sellable":
      return level.onHand + leg.delta < 0 ? undefined : { ...level, onHand: level.onHand + leg.delta };
    case "damaged":
      return nonSellable.damaged + leg.delta < 0
        ? undefined
        : { ...level, nonSellable: { ...nonSellable, damaged: nonSellable.damaged + leg.delta } };
    case "quality_hold":
      return nonSellable.qualityHold + leg.delta < 0
        ? undefined
        : { ...level, nonSellable: { ...nonSellable, qualityHold: nonSellable.qualityHold + leg.delta } };
  }
}

function stamped(level: StockLevel, movement: StockMovement, at: Date): StockLevel {
  const mark: WmsWatermark = { wmsId: movement.origin.wmsId, sequence: movement.origin.sequence, observedAt: movement.observedAt };
  const current = level.movementWatermark;
  const newer =
    !current ||
    (current.wmsId === mark.wmsId ? mark.sequence > current.sequence : mark.observedAt.getTime() >= current.observedAt.getTime());
  return { ...level, version: level.version + 1, movementWatermark: newer ? mark : current, updatedAt: at };
}

function held(level: StockLevel, leg: MovementLeg): number {
  if (leg.status === "sellable") return level.onHand;
  return leg.status === "damaged" ? (level.nonSellable?.damaged ?? 0) : (level.nonSellable?.qualityHold ?? 0);
}

function belowZero(movement: StockMovement, leg: MovementLeg, level: StockLevel): MovementOutcome {
  const before = held(level, leg);
  return {
    kind: "refused",
    field: "movement.delta",
    code: "MOVEMENT_BELOW_ZERO",
    reason:
      `would take ${leg.status} stock of ${movement.sku} at ${leg.locationId} from ${before} to ${before + leg.delta}; ` +
      "refused, nothing changed (a receipt or count is probably missing: check the gaps, then replay)",
  };
}

function movedEvent(
  before: StockLevel,
  after: StockLevel,
  leg: MovementLeg,
  movement: StockMovement,
  eventId: string,
  at: Date,
): InventoryEvent {
  return {
    eventId,
    type: "StockMoved",
    sku: movement.sku,
    locationId: leg.locationId,
    delta: leg.delta,
    source: "wms",
    occurredAt: at,
    before: quantitiesOf(before),
    after: quantitiesOf(after),
    version: after.version,
    cause: {
      kind: "wms_update",
      ...movement.origin,
      observedAt: movement.observedAt,
      reason: REASONS[movement.kind],
      movement: { kind: movement.kind, status: leg.status, reference: movement.reference },
    },
    ...nonSellableChange(before.nonSellable, after.nonSellable),
    ...(movement.route ? { route: movement.route } : {}),
  };
}

function applicationOrder(movements: readonly StockMovement[]): number[] {
  return movements
    .map((_, index) => index)
    .sort((a, b) => compare(movements[a]!, movements[b]!) || a - b);
}

function compare(a: StockMovement, b: StockMovement): number {
  if (a.sku !== b.sku) return a.sku < b.sku ? -1 : 1;
  if (a.origin.wmsId !== b.origin.wmsId) return a.origin.wmsId < b.origin.wmsId ? -1 : 1;
  return a.origin.sequence < b.origin.sequence ? -1 : a.origin.sequence > b.origin.sequence ? 1 : 0;
}
