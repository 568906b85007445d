/**
 * A simulated retailer day, seeded and reproducible: the stock records, the WMS's feed (cycle counts,
 * receipts, other-channel shipments, shrink, late and duplicate deliveries, an outage followed by a
 * backfill) and the order stream that reserves stock. Pure: no I/O, no clock; the same settings give
 * the same day, event for event. Times are simulated milliseconds from the day's start (00:00).
 *
 * {@link WarehouseFloor} is the physical truth a world's WMS sees: the generator's events applied in
 * time order, plus that world's own picks. Both worlds of the evaluation run the same day through one.
 */

/** How the day is made. Defaults: a mid-size retailer. */
export interface DaySettings {
  readonly seed: number;
  readonly skus: number;
  readonly warehouses: number;
  /** Order lines reserving stock in the day. */
  readonly orderLines: number;
  /** Zipf exponent of the SKU an order line asks for (0: uniform; 1: a few SKUs take most orders). */
  readonly skuSkew: number;
  /** Cycle counts per stock record per day (each at a random time). */
  readonly countsPerRecord: number;
  /** Share of records receiving one delivery in the day. */
  readonly receiptShare: number;
  /** Shipments of other channels (stores, wholesale) the WMS makes and reports, per day. */
  readonly otherShipments: number;
  /** Share of records losing stock to shrink (damage, theft, miscount) in the day. */
  readonly shrinkShare: number;
  /** Share of shrink the WMS reports at once as an adjustment; the rest only the next count shows. */
  readonly shrinkReportedShare: number;
  /** Share of WMS updates delivered late, and by how much (simulated ms, uniform in the range). */
  readonly lateShare: number;
  readonly lateDelayMs: readonly [number, number];
  /** Share of WMS updates delivered twice (the same source and sequence). */
  readonly duplicateShare: number;
  /** A WMS outage: nothing is delivered in [startMs, startMs + durationMs); then a backfill of all of it, in order. */
  readonly outage: { readonly startMs: number; readonly durationMs: number } | undefined;
  /** Order line → pick (fulfilment), simulated ms, uniform in the range. */
  readonly pickDelayMs: readonly [number, number];
  /** Share of order lines the customer cancels before the pick (released). */
  readonly cancelShare: number;
  /** Stock on hand at the start, as days of the record's expected demand (uniform in the range). */
  readonly startingCoverDays: readonly [number, number];
}

export const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** The defaults: 50k SKUs, 3 warehouses, 200k order lines a day. */
export const DEFAULT_DAY: DaySettings = {
  seed: 20261207,
  skus: 50_000,
  warehouses: 3,
  orderLines: 200_000,
  skuSkew: 0.9,
  countsPerRecord: 1,
  receiptShare: 0.15,
  otherShipments: 15_000,
  shrinkShare: 0.01,
  shrinkReportedShare: 0.5,
  lateShare: 0.02,
  lateDelayMs: [60_000, 20 * 60_000],
  duplicateShare: 0.01,
  outage: { startMs: 14 * HOUR, durationMs: HOUR },
  pickDelayMs: [30 * 60_000, 4 * HOUR],
  cancelShare: 0.03,
  startingCoverDays: [0.5, 2.5],
};

/** A small day for tests and CI: the same shape, 500 SKUs, 2 warehouses, 2,500 order lines. */
export const QUICK_DAY: DaySettings = { ...DEFAULT_DAY, skus: 500, warehouses: 2, orderLines: 2_500, otherShipments: 200 };

/** One stock record: a SKU at a warehouse, and what it holds at 00:00. */
export interface StockRecord {
  readonly sku: string;
  readonly location: string;
  readonly startingStock: number;
}

export type WmsEventKind = "count" | "receipt" | "shipment" | "shrink";

/**
 * Something the WMS observes. `quantity` is the intended size (a count's is read off the floor when
 * it happens: see {@link WarehouseFloor}). `reported` false: shrink the WMS does not report (only the
 * next count shows it); such an event changes the floor but is never delivered.
 */
export interface WmsEvent {
  readonly kind: WmsEventKind;
  readonly sku: string;
  readonly location: string;
  readonly observedMs: number;
  /** When the WMS delivers it (late, or after the outage: later than observed). */
  readonly deliverMs: number;
  /** The WMS source (one per warehouse) and its sequence number, in observation order. */
  readonly source: string;
  readonly sequence: number;
  readonly quantity: number;
  readonly reported: boolean;
  /** Delivered a second time, `deliverMs` + a few seconds later. */
  readonly duplicate: boolean;
}

/** One order line: it reserves `quantity` of a SKU at any warehouse, then is picked or cancelled. */
export interface OrderLine {
  readonly id: string;
  readonly sku: string;
  readonly quantity: number;
  readonly atMs: number;
  /** When it is picked (fulfilled), or cancelled (released) when `cancelled`. */
  readonly closeMs: number;
  readonly cancelled: boolean;
}

/** The day. */
export interface SimulatedDay {
  readonly settings: DaySettings;
  readonly records: readonly StockRecord[];
  /** In observation order. */
  readonly wms: readonly WmsEvent[];
  /** In order time order. */
  readonly orders: readonly OrderLine[];
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Order intensity by hour (a retailer's day: quiet at night, peaks at noon and in the evening). */
const HOURLY = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3.5, 4.5, 5, 5.5, 6, 5.5, 5, 5, 5, 5.5, 6, 6.5, 6, 4.5, 3, 1.8];
const HOURLY_CDF = (() => {
  const total = HOURLY.reduce((a, b) => a + b, 0);
  let sum = 0;
  return HOURLY.map((h) => (sum += h / total));
})();

/** The SKU name of rank `i` (0 = most ordered). */
export function skuName(i: number): string {
  return `EV-${String(i).padStart(6, "0")}`;
}

/** The warehouse name `w` (0-based). */
export function locationName(w: number): string {
  return `DC-${w + 1}`;
}

/** Makes the day `settings` describe. */
export function simulateDay(settings: DaySettings): SimulatedDay {
  const random = seeded(settings.seed);
  const between = (range: readonly [number, number]) => range[0] + random() * (range[1] - range[0]);
  const uniformTime = () => Math.floor(random() * DAY_MS);
  const orderTime = () => {
    const u = random();
    const hour = HOURLY_CDF.findIndex((c) => u <= c);
    return Math.floor((Math.max(0, hour) + random()) * HOUR);
  };

  // SKU popularity: Zipf over ranks, as a cumulative table for sampling.
  const weights = Float64Array.from({ length: settings.skus }, (_, i) => 1 / (i + 1) ** settings.skuSkew);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(settings.skus);
  let running = 0;
  for (let i = 0; i < settings.skus; i++) cdf[i] = running += weights[i]! / totalWeight;
  const pickSku = () => {
    const u = random();
    let lo = 0;
    let hi = settings.skus - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const lineQuantity = () => {
    const u = random();
    return u < 0.7 ? 1 : u < 0.9 ? 2 : 3 + Math.floor(random() * 3);
  };
  const meanQuantity = 0.7 * 1 + 0.2 * 2 + 0.1 * 4;

  const records: StockRecord[] = [];
  for (let i = 0; i < settings.skus; i++) {
    const demandPerRecord = (settings.orderLines * (weights[i]! / totalWeight) * meanQuantity) / settings.warehouses;
    for (let w = 0; w < settings.warehouses; w++) {
      records.push({ sku: skuName(i), location: locationName(w), startingStock: Math.max(1, Math.round(demandPerRecord * between(settings.startingCoverDays) + random() * 3)) });
    }
  }

  const drafts: Array<Omit<WmsEvent, "source" | "sequence" | "deliverMs" | "duplicate">> = [];
  for (const record of records) {
    for (let c = 0; c < settings.countsPerRecord; c++) drafts.push({ kind: "count", sku: record.sku, location: record.location, observedMs: uniformTime(), quantity: 0, reported: true });
    if (random() < settings.receiptShare) {
      drafts.push({ kind: "receipt", sku: record.sku, location: record.location, observedMs: uniformTime(), quantity: Math.max(2, Math.round(record.startingStock * between([0.5, 1.5]))), reported: true });
    }
    if (random() < settings.shrinkShare) {
      drafts.push({ kind: "shrink", sku: record.sku, location: record.location, observedMs: uniformTime(), quantity: 1 + Math.floor(random() * 3), reported: random() < settings.shrinkReportedShare });
    }
  }
  for (let s = 0; s < settings.otherShipments; s++) {
    const sku = pickSku();
    drafts.push({ kind: "shipment", sku: skuName(sku), location: locationName(Math.floor(random() * settings.warehouses)), observedMs: orderTime(), quantity: lineQuantity(), reported: true });
  }
  drafts.sort((a, b) => a.observedMs - b.observedMs || a.sku.localeCompare(b.sku) || a.location.localeCompare(b.location));

  const sequences = new Map<string, number>();
  const outage = settings.outage;
  const wms: WmsEvent[] = drafts.map((draft) => {
    const source = `wms-${draft.location.toLowerCase()}`;
    const sequence = (sequences.get(source) ?? 0) + 1;
    sequences.set(source, sequence);
    let deliverMs = draft.observedMs;
    if (random() < settings.lateShare) deliverMs += Math.round(between(settings.lateDelayMs));
    if (outage && deliverMs >= outage.startMs && deliverMs < outage.startMs + outage.durationMs) {
      // The backfill after the outage: everything held back, in observation order, over its first minutes.
      deliverMs = outage.startMs + outage.durationMs + Math.round(((draft.observedMs - outage.startMs) / outage.durationMs) * 5 * 60_000);
    }
    return { ...draft, source, sequence, deliverMs, duplicate: random() < settings.duplicateShare };
  });

  const orders: OrderLine[] = [];
  for (let n = 0; n < settings.orderLines; n++) {
    const atMs = orderTime();
    const cancelled = random() < settings.cancelShare;
    orders.push({ id: `L${String(n).padStart(7, "0")}`, sku: skuName(pickSku()), quantity: lineQuantity(), atMs, closeMs: atMs + Math.round(between(settings.pickDelayMs)), cancelled });
  }
  orders.sort((a, b) => a.atMs - b.atMs || a.id.localeCompare(b.id));
  return { settings, records, wms, orders };
}

/** The key of a stock record. */
export function recordKey(sku: string, location: string): string {
  return `${sku}@${location}`;
}

/**
 * The stock of one world's warehouses: what is physically there, and the WMS's book of it (what the
 * WMS's own system says, and so what its snapshots report). The day's WMS events change them in time
 * order: receipts, other-channel shipments and reported shrink move both (shipments and shrink take
 * what is there); shrink the WMS does not report moves only the physical stock, until a count reads
 * the physical stock into the book. The world's own picks take an order line's units from both if
 * they are there, else the pick is refused (the line was oversold).
 */
export class WarehouseFloor {
  private readonly stock = new Map<string, number>();
  private readonly book = new Map<string, number>();

  constructor(records: readonly StockRecord[]) {
    for (const r of records) {
      this.stock.set(recordKey(r.sku, r.location), r.startingStock);
      this.book.set(recordKey(r.sku, r.location), r.startingStock);
    }
  }

  /** Units physically on the floor now. */
  onHand(sku: string, location: string): number {
    return this.stock.get(recordKey(sku, location)) ?? 0;
  }

  /** Units the WMS's book holds now: on the floor, less unreported shrink no count has found yet. */
  booked(sku: string, location: string): number {
    return this.book.get(recordKey(sku, location)) ?? 0;
  }

  /** Applies a WMS event at its observation time; returns what the WMS reports: a count's value, or the movement's actual delta. */
  observe(event: WmsEvent): number {
    const key = recordKey(event.sku, event.location);
    const have = this.stock.get(key) ?? 0;
    switch (event.kind) {
      case "count":
        this.book.set(key, have);
        return have;
      case "receipt":
        this.stock.set(key, have + event.quantity);
        this.book.set(key, (this.book.get(key) ?? 0) + event.quantity);
        return event.quantity;
      case "shipment":
      case "shrink": {
        const taken = Math.min(have, event.quantity);
        this.stock.set(key, have - taken);
        if (event.reported) this.book.set(key, Math.max(0, (this.book.get(key) ?? 0) - taken));
        return taken === 0 ? 0 : -taken;
      }
    }
  }

  /** A pick of `quantity` units: true when they were there (and are now gone), false when the pick is refused. */
  pick(sku: string, location: string, quantity: number): boolean {
    const key = recordKey(sku, location);
    const have = this.stock.get(key) ?? 0;
    if (have < quantity) return false;
    this.stock.set(key, have - quantity);
    this.book.set(key, Math.max(0, (this.book.get(key) ?? 0) - quantity));
    return true;
  }
}
