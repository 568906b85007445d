import { oversellOutcome, type MadeReservation, type OversellOutcome, type SeenCount } from "./outcomes.js";
import { DAY_MS, recordKey, WarehouseFloor, type SimulatedDay, type WmsEvent } from "./simulated-day.js";

/** When the legacy nightly sync runs, ms after midnight. */
export const LEGACY_RUN_MS = 2 * 60 * 60 * 1000;

/** What the legacy model measured over the day (simulated time). */
export interface WorldResult {
  /** Freshness lag per delivered WMS update, ms of simulated time. */
  readonly freshnessMs: number[];
  readonly oversell: OversellOutcome;
  /** Order lines refused at reservation for want of stock as the world saw it (lost sales, not oversells). */
  readonly refusedAtReservation: number;
  /** Oversold lines per hour of the day (by the hour they were reserved). */
  readonly oversoldByHour: number[];
  /** End of day: the SKUs compared, and those whose stock the world holds differs on some record. */
  readonly discrepancy: DayEndComparison;
}

/**
 * The day's end, per SKU (one of its records differing is enough). `skusWithDiscrepancy`: the
 * world's stock differs from the WMS's end-of-day snapshot (its book), what reconciliation compares
 * and the gate judges. `skusOffFloor`: the world's stock differs from what is physically there.
 * `wmsBookOffFloor`: the WMS's own book differs from the floor (shrink it never reported that no
 * count has found since): no sync can know of it, so it bounds `skusOffFloor` from below in any world.
 */
export interface DayEndComparison {
  readonly skusCompared: number;
  readonly skusWithDiscrepancy: number;
  readonly skusOffFloor: number;
  readonly wmsBookOffFloor: number;
}

/** Compares the stock a world holds (`held` per record) with the floor's WMS book and physical stock at the day's end. */
export function compareDayEnd(day: SimulatedDay, floor: WarehouseFloor, held: (sku: string, location: string) => number | undefined): DayEndComparison {
  const book = new Set<string>();
  const physical = new Set<string>();
  const wms = new Set<string>();
  for (const { sku, location } of day.records) {
    const ours = held(sku, location) ?? 0;
    if (ours !== floor.booked(sku, location)) book.add(sku);
    if (ours !== floor.onHand(sku, location)) physical.add(sku);
    if (floor.booked(sku, location) !== floor.onHand(sku, location)) wms.add(sku);
  }
  return { skusCompared: new Set(day.records.map((r) => r.sku)).size, skusWithDiscrepancy: book.size, skusOffFloor: physical.size, wmsBookOffFloor: wms.size };
}

/**
 * The legacy nightly sync, as a model: at 02:00 it takes in every WMS update delivered since the
 * previous run (the newest count per record, plus the movements delivered after it); in between its
 * stock does not move but by the order lines it reserved since the run: a line is accepted when the
 * location with the most of `last night's stock − reserved since` covers it. Picks take units off the
 * same floor the WMS counts; a pick that finds too few is refused at fulfilment.
 */
export function runLegacyWorld(day: SimulatedDay): WorldResult {
  const floor = new WarehouseFloor(day.records);
  const base = new Map<string, number>(day.records.map((r) => [recordKey(r.sku, r.location), r.startingStock]));
  const reservedSinceRun = new Map<string, number>();
  const locations = [...new Set(day.records.map((r) => r.location))];
  const counts: SeenCount[] = [];
  const reservations = new Map<string, MadeReservation & { closedAt: number | undefined; refusedAtPick: boolean }>();
  const pendingFeed: Array<{ event: WmsEvent; value: number }> = [];
  const delivered: Array<{ event: WmsEvent; value: number }> = [];
  const freshnessMs: number[] = [];
  let refusedAtReservation = 0;
  let ranToday = false;

  type Step = { at: number; order: number; run: () => void };
  const steps: Step[] = [];
  for (const event of day.wms) {
    steps.push({
      at: event.observedMs,
      order: 0,
      run: () => {
        const value = floor.observe(event);
        if (!event.reported || (event.kind !== "count" && value === 0)) return;
        if (event.kind === "count") counts.push({ sku: event.sku, location: event.location, observedAt: event.observedMs, quantity: value });
        pendingFeed.push({ event, value });
      },
    });
  }
  steps.push({
    at: LEGACY_RUN_MS,
    order: 1,
    run: () => {
      ranToday = true;
      // Delivered before the run, in observation order per record: the newest count, then the movements after it.
      const taken = pendingFeed.filter((f) => f.event.deliverMs <= LEGACY_RUN_MS).sort((a, b) => a.event.observedMs - b.event.observedMs);
      for (const { event, value } of taken) {
        const key = recordKey(event.sku, event.location);
        base.set(key, event.kind === "count" ? value : Math.max(0, (base.get(key) ?? 0) + value));
        freshnessMs.push(LEGACY_RUN_MS - event.observedMs);
        delivered.push({ event, value });
      }
      pendingFeed.splice(0, pendingFeed.length, ...pendingFeed.filter((f) => f.event.deliverMs > LEGACY_RUN_MS));
      // What is still promised stays reserved against the new counts.
      reservedSinceRun.clear();
      for (const r of reservations.values()) {
        if (r.closedAt !== undefined) continue;
        const key = recordKey(r.sku, r.location);
        reservedSinceRun.set(key, (reservedSinceRun.get(key) ?? 0) + r.quantity);
      }
    },
  });
  for (const line of day.orders) {
    steps.push({
      at: line.atMs,
      order: 2,
      run: () => {
        let best: string | undefined;
        let bestAvailable = -Infinity;
        for (const location of locations) {
          const key = recordKey(line.sku, location);
          const available = (base.get(key) ?? 0) - (reservedSinceRun.get(key) ?? 0);
          if (available >= line.quantity && (available > bestAvailable || (available === bestAvailable && location < best!))) {
            best = location;
            bestAvailable = available;
          }
        }
        if (best === undefined) {
          refusedAtReservation++;
          return;
        }
        const key = recordKey(line.sku, best);
        reservedSinceRun.set(key, (reservedSinceRun.get(key) ?? 0) + line.quantity);
        reservations.set(line.id, { id: line.id, sku: line.sku, location: best, quantity: line.quantity, madeAt: line.atMs, closedAt: undefined, refusedAtPick: false });
      },
    });
    steps.push({
      at: Math.min(line.closeMs, DAY_MS - 1),
      order: 3,
      run: () => {
        const r = reservations.get(line.id);
        if (!r) return;
        r.closedAt = Math.min(line.closeMs, DAY_MS - 1);
        if (!line.cancelled && !floor.pick(r.sku, r.location, r.quantity)) r.refusedAtPick = true;
      },
    });
  }
  steps.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const step of steps) step.run();
  if (!ranToday) throw new Error("the legacy run never happened");

  // Updates delivered after today's run wait for tomorrow night's.
  for (const { event } of pendingFeed) freshnessMs.push(DAY_MS + LEGACY_RUN_MS - event.observedMs);

  const made = [...reservations.values()];
  const oversell = oversellOutcome(made, counts);
  const oversoldByHour = Array.from({ length: 24 }, () => 0);
  for (const r of made) if (oversell.oversoldIds.has(r.id)) oversoldByHour[Math.floor(r.madeAt / 3_600_000)]!++;

  // End of day: legacy holds last night's stock less its own picks since; the floor is the truth.
  const picked = new Map<string, number>();
  const cancelled = new Set(day.orders.filter((o) => o.cancelled).map((o) => o.id));
  for (const r of made) {
    if (r.closedAt === undefined || r.refusedAtPick || r.madeAt < LEGACY_RUN_MS || cancelled.has(r.id)) continue;
    const key = recordKey(r.sku, r.location);
    picked.set(key, (picked.get(key) ?? 0) + r.quantity);
  }
  const discrepancy = compareDayEnd(day, floor, (sku, location) => {
    const key = recordKey(sku, location);
    return Math.max(0, (base.get(key) ?? 0) - (picked.get(key) ?? 0));
  });
  const { oversoldIds: _ids, ...outcome } = oversell;
  return {
    freshnessMs,
    oversell: outcome,
    refusedAtReservation,
    oversoldByHour,
    discrepancy,
  };
}
