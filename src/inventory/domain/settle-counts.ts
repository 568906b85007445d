import type { IdGenerator } from "../../shared/ids.js";
import { applyStockCounts, NOTHING_MOVED, type AppliedCounts, type MovedAfter } from "./apply-stock-counts.js";
import type { InventoryEvent } from "./inventory-event.js";
import { isSettledBy, unsettledQuantity, type PendingShipment } from "./pending-shipment.js";
import { shortfallDetected } from "./shortfall.js";
import type { StockCount } from "./stock-count.js";
import { stockKey, type StockLevel } from "./stock-level.js";

/** Shipments made locally that counts may not include yet, and how long one takes to settle. */
export interface ShipmentsInFlight {
  /** Pending shipments of the counted records, keyed by {@link stockKey}. */
  readonly pending: ReadonlyMap<string, readonly PendingShipment[]>;
  /** A count observed less than this long after a shipment is assumed not to include it. */
  readonly settleMs: number;
}

/** Applied counts, plus the pending shipments they settled. */
export interface SettledCounts extends AppliedCounts {
  /** Reservation ids of pending shipments an applied count now includes; they are cleared. */
  readonly settledShipments: readonly string[];
}

/**
 * Applies WMS counts so that local shipments and counts interleave safely (pure; the caller holds
 * the record locks). A count is an absolute observation at `observed_at`:
 * - on_hand = count − units of pending shipments the count does not include yet, floored at 0;
 * - pending shipments the count includes (shipped at least `settleMs` before it) are settled;
 * - when the count leaves on_hand below reserved, `StockShortfallDetected` follows its
 *   `StockCounted` event (see {@link shortfallDetected}).
 * So whether a count arrives before or after a shipment it predates, on_hand ends the same and
 * `available` never rises because of the order of arrival. Otherwise the rules of
 * {@link applyStockCounts} hold (staleness, order, versions, late snapshots adjusted by `movedAfter`).
 */
export function settleCounts(
  current: ReadonlyMap<string, StockLevel>,
  counts: readonly StockCount[],
  shipments: ShipmentsInFlight,
  at: Date,
  ids: IdGenerator,
  movedAfter: MovedAfter = () => NOTHING_MOVED,
): SettledCounts {
  const pendingOf = (count: StockCount) => shipments.pending.get(stockKey(count.sku, count.locationId)) ?? [];
  const netCounts = counts.map((count) => {
    const unsettled = unsettledQuantity(pendingOf(count), count.observedAt, shipments.settleMs);
    return unsettled === 0 ? count : { ...count, quantity: Math.max(0, count.quantity - unsettled) };
  });
  const original = new Map(netCounts.map((net, index) => [net, counts[index]!]));
  const applied = applyStockCounts(current, netCounts, at, ids, (key, net) => movedAfter(key, original.get(net) ?? net));

  const settled = new Set<string>();
  applied.outcomes.forEach((outcome, index) => {
    if (outcome.kind !== "applied") return;
    const count = counts[index]!;
    for (const shipment of pendingOf(count)) {
      if (isSettledBy(shipment, count.observedAt, shipments.settleMs)) settled.add(shipment.reservationId);
    }
  });

  const events: InventoryEvent[] = [];
  for (const event of applied.events) {
    events.push(event);
    const shortfall = shortfallDetected(event, ids, "changed");
    if (shortfall) events.push(shortfall);
  }
  return { ...applied, events, settledShipments: [...settled] };
}
