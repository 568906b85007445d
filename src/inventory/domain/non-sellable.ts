/**
 * Units at a location that can never be sold: damaged, or held for quality inspection. They are
 * kept apart from `on_hand` (which is the sellable count), shown by GetInventory, and never part of
 * `available`. Only the WMS v2 contract reports them; a record without any reads as zero.
 */
export interface NonSellable {
  readonly damaged: number;
  readonly qualityHold: number;
}

/** No non-sellable units. */
export const NO_NON_SELLABLE: NonSellable = { damaged: 0, qualityHold: 0 };

/** The condition of stock; only sellable stock counts in on_hand and can be available. */
export type StockStatus = "sellable" | "damaged" | "quality_hold";

/** The non-sellable quantities before and after a change, as events carry them. */
export interface NonSellableChange {
  readonly before: NonSellable;
  readonly after: NonSellable;
}

/**
 * `{ nonSellable: { before, after } }` when either side holds non-sellable stock, else `{}`: events
 * of SKUs that never had any stay as they were before statuses existed.
 */
export function nonSellableChange(
  before: NonSellable | undefined,
  after: NonSellable | undefined,
): { nonSellable?: NonSellableChange } {
  if (!before && !after) return {};
  return { nonSellable: { before: before ?? NO_NON_SELLABLE, after: after ?? NO_NON_SELLABLE } };
}
