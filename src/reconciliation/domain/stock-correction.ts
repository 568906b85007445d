import type { IdGenerator } from "../../shared/ids.js";
import type { InventoryEvent, OperatorCause, ReconciliationCause } from "../../inventory/domain/inventory-event.js";
import { nonSellableChange } from "../../inventory/domain/non-sellable.js";
import { shortfallDetected } from "../../inventory/domain/shortfall.js";
import { quantitiesOf, type StockLevel, type WmsWatermark } from "../../inventory/domain/stock-level.js";

/**
 * Watermark sources of corrections. They are not WMS ids (a WMS id never contains '@'), so the
 * count path judges later WMS updates against them by time only: a WMS count or movement observed
 * before the correction is stale (the correction already reflects it); one observed after wins.
 */
export const CORRECTION_SOURCES = { operator: "@override", reconciliation: "@reconciliation" } as const;

/** Sets on_hand of one record to a value an operator counted or a WMS snapshot reported. */
export interface StockCorrection {
  /** The new on_hand (sellable units). */
  readonly onHand: number;
  /** When the value was true: now for an override, the line's time for a snapshot. */
  readonly observedAt: Date;
  readonly cause: OperatorCause | ReconciliationCause;
}

/** The corrected record and its events. */
export interface CorrectedStock {
  readonly level: StockLevel;
  /** `StockOverridden` or `DiscrepancyAutoResolved`, then `StockShortfallDetected` when on_hand newly falls below reserved. */
  readonly events: readonly InventoryEvent[];
}

/**
 * Applies a correction to a locked record (pure). Like a WMS count it sets on_hand absolutely,
 * bumps the version, moves the count watermark (never backwards) and emits an event even when the
 * value is unchanged (a confirmed count is news). It never makes availability negative: when
 * on_hand ends below reserved, the shortfall is reported (event; the caller records it), not hidden.
 * Damaged and quality-hold units are not touched.
 */
export function correctStock(level: StockLevel, correction: StockCorrection, at: Date, ids: IdGenerator): CorrectedStock {
  if (!Number.isSafeInteger(correction.onHand) || correction.onHand < 0) throw new Error(`a correction must set a whole on_hand of 0 or more, got ${correction.onHand}`);
  const { kind } = correction.cause;
  const next: StockLevel = {
    ...level,
    onHand: correction.onHand,
    version: level.version + 1,
    watermark: laterWatermark(level.watermark, { wmsId: CORRECTION_SOURCES[kind], sequence: 0n, observedAt: correction.observedAt }),
    updatedAt: at,
  };
  const event: InventoryEvent = {
    eventId: ids.next(),
    type: kind === "operator" ? "StockOverridden" : "DiscrepancyAutoResolved",
    sku: level.sku,
    locationId: level.locationId,
    delta: next.onHand - level.onHand,
    source: kind,
    occurredAt: at,
    before: quantitiesOf(level),
    after: quantitiesOf(next),
    version: next.version,
    cause: correction.cause,
    ...nonSellableChange(level.nonSellable, next.nonSellable),
  };
  const shortfall = shortfallDetected(event, ids, "changed");
  return { level: next, events: shortfall ? [event, shortfall] : [event] };
}

function laterWatermark(current: WmsWatermark | undefined, mark: WmsWatermark): WmsWatermark {
  if (current && current.observedAt.getTime() > mark.observedAt.getTime()) return { ...mark, observedAt: current.observedAt };
  return mark;
}
