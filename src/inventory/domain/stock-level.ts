import type { LocationId } from "./location-id.js";
import type { NonSellable } from "./non-sellable.js";
import type { Sku } from "./sku.js";

/** The newest WMS update applied to a stock record; later updates are judged against it. */
export interface WmsWatermark {
  /** The WMS source that sent it. */
  readonly wmsId: string;
  /** That source's update number. */
  readonly sequence: bigint;
  /** When the WMS observed the count. */
  readonly observedAt: Date;
}

/**
 * The stock of one SKU at one location. `onHand` comes from the WMS, `reserved` is owned locally,
 * `available` is derived from both and never stored separately by the domain.
 */
export interface StockLevel {
  readonly sku: Sku;
  readonly locationId: LocationId;
  /** Physical units counted by the WMS; never negative. */
  readonly onHand: number;
  /** Units held by open reservations; never negative. */
  readonly reserved: number;
  /** Increases by one with every change; events carry it so consumers can order them. */
  readonly version: number;
  /** The newest WMS update applied, or undefined when none has been. */
  readonly watermark: WmsWatermark | undefined;
  /**
   * The newest WMS movement applied (`watermark` is the newest absolute count). A count older than
   * it is rebased: the movements applied after the count are added to it.
   */
  readonly movementWatermark?: WmsWatermark;
  /** Damaged and quality-hold units, apart from on_hand; absent means none. */
  readonly nonSellable?: NonSellable;
  /** When the record last changed. */
  readonly updatedAt: Date;
}

/** The quantities of a stock record at one instant, as events report them. */
export interface StockQuantities {
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}

/**
 * Units that can still be promised: on hand minus reserved, floored at zero. A WMS count below the
 * reserved quantity is a shortfall, reported as such, never as a negative availability.
 */
export function availableOf(onHand: number, reserved: number): number {
  return Math.max(0, onHand - reserved);
}

/** The quantities of `level`, with `available` derived. */
export function quantitiesOf(level: Pick<StockLevel, "onHand" | "reserved">): StockQuantities {
  return { onHand: level.onHand, reserved: level.reserved, available: availableOf(level.onHand, level.reserved) };
}

/** The key that identifies a stock record: SKU and location. */
export function stockKey(sku: string, locationId: string): string {
  return `${sku}\u0000${locationId}`;
}
