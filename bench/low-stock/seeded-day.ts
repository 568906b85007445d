import type { InventoryEventType } from "../../src/inventory/domain/inventory-event.js";
import type { ObservedStockChange } from "../../src/low-stock/domain/stock-change.js";
import { seededRandom } from "../stats.js";

/** The shape of the simulated day. */
export interface SeededDaySettings {
  readonly seed: number;
  readonly skus: number;
  readonly locations: readonly string[];
  /** Midnight UTC of the day simulated. */
  readonly start: Date;
}

/** The default day: 300 SKUs in 3 warehouses (900 records), seed 20261207. */
export const DEFAULT_DAY: SeededDaySettings = { seed: 20261207, skus: 300, locations: ["WH-1", "WH-2", "WH-3"], start: new Date("2026-12-07T00:00:00Z") };

const MINUTES = 24 * 60;

/** Share of the peak demand by hour of day (0–23): quiet nights, peaks at lunch and after work. */
const PROFILE = [0.1, 0.08, 0.06, 0.06, 0.08, 0.15, 0.3, 0.5, 0.7, 0.8, 0.9, 1, 1, 0.9, 0.8, 0.8, 0.9, 1, 1, 0.9, 0.7, 0.5, 0.3, 0.15];

interface RecordState {
  readonly sku: string;
  readonly locationId: string;
  /** Peak demand through reservations, units per hour. */
  readonly peakRate: number;
  onHand: number;
  /** on_hand of the day's first count. */
  readonly initial: number;
  reserved: number;
  version: number;
  /** Minute a delivery arrives (with `deliveryUnits`), or undefined when none is on its way. */
  deliveryAt: number | undefined;
  deliveryUnits: number;
  /** Promotion window (minutes) multiplying demand by 4. */
  readonly promotion: readonly [number, number] | undefined;
  /** Scheduled ends of reservations: minute, quantity, how. */
  readonly closing: Array<{ minute: number; quantity: number; how: "ReservationFulfilled" | "ReservationReleased" | "ReservationExpired" }>;
  walkIns: number;
}

/**
 * A seeded day of stock changes (the fallback the backtest uses when the evaluation harness's day is
 * not given): per record, orders arrive as a Poisson process following a daily profile (a few
 * records with a 4-hour promotion at four times the demand), each reserving 1–3 units that are
 * fulfilled (85 %), released (10 %) or expire (5 %) later; walk-in sales and shrinkage reach us as
 * lower WMS counts every 30 minutes; when available falls under 6 hours of average demand a delivery
 * of a day's demand is ordered and arrives 2–12 hours later as a higher WMS count. Deliveries that
 * come late are what makes stockouts. Changes are in time order, per record in version order.
 */
export function seededDay(settings: SeededDaySettings = DEFAULT_DAY): ObservedStockChange[] {
  const random = seededRandom(settings.seed);
  const poisson = (mean: number) => {
    // Knuth's method: small means only (a minute's orders).
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  };
  const records: RecordState[] = [];
  for (let s = 0; s < settings.skus; s++) {
    for (const locationId of settings.locations) {
      const peakRate = 0.3 * Math.pow(100, random()); // 0.3–30 units an hour at peak
      const averageRate = peakRate * 0.6;
      const promoStart = 8 * 60 + Math.floor(random() * 8 * 60);
      records.push({
        sku: `SKU-${String(s + 1).padStart(4, "0")}`,
        locationId,
        peakRate,
        onHand: 0,
        initial: Math.max(1, Math.round(averageRate * (2 + random() * 28))),
        reserved: 0,
        version: 0,
        deliveryAt: undefined,
        deliveryUnits: 0,
        promotion: random() < 0.05 ? [promoStart, promoStart + 240] : undefined,
        closing: [],
        walkIns: 0,
      });
    }
  }
  const out: ObservedStockChange[] = [];
  const t0 = settings.start.getTime();
  for (const record of records) {
    let tick = 0;
    const emit = (minute: number, type: InventoryEventType, change: () => void) => {
      const before = Math.max(0, record.onHand - record.reserved);
      change();
      const after = Math.max(0, record.onHand - record.reserved);
      record.version++;
      out.push({ sku: record.sku, locationId: record.locationId, type, version: record.version, availableBefore: before, availableAfter: after, at: new Date(t0 + minute * 60_000 + (tick++ % 60) * 1000) });
    };
    emit(0, "StockCounted", () => (record.onHand = record.initial));
    const averageRate = record.peakRate * 0.6;
    for (let minute = 1; minute < MINUTES; minute++) {
      tick = 1;
      const promo = record.promotion && minute >= record.promotion[0] && minute < record.promotion[1] ? 4 : 1;
      const rate = (record.peakRate * PROFILE[Math.floor(minute / 60)]! * promo) / 60;
      for (let orders = poisson(rate / 1.6); orders > 0; orders--) {
        const quantity = 1 + (random() < 0.35 ? 1 : 0) + (random() < 0.25 ? 1 : 0);
        if (record.onHand - record.reserved < quantity) continue; // refused: nothing changes
        emit(minute, "StockReserved", () => (record.reserved += quantity));
        const fate = random();
        if (fate < 0.85) record.closing.push({ minute: minute + 10 + Math.floor(random() * 50), quantity, how: "ReservationFulfilled" });
        else if (fate < 0.95) record.closing.push({ minute: minute + 5 + Math.floor(random() * 25), quantity, how: "ReservationReleased" });
        else record.closing.push({ minute: minute + 15, quantity, how: "ReservationExpired" });
      }
      for (let i = record.closing.length - 1; i >= 0; i--) {
        const close = record.closing[i]!;
        if (close.minute !== minute) continue;
        record.closing.splice(i, 1);
        emit(minute, close.how, () => {
          record.reserved -= close.quantity;
          if (close.how === "ReservationFulfilled") record.onHand -= close.quantity;
        });
      }
      record.walkIns += poisson((rate * 0.3) / 1);
      if (minute % 30 === 0) {
        const sold = Math.min(record.walkIns, Math.max(0, record.onHand - record.reserved));
        record.walkIns = 0;
        emit(minute, "StockCounted", () => (record.onHand -= sold));
      }
      if (record.deliveryAt === minute) {
        const units = record.deliveryUnits;
        record.deliveryAt = undefined;
        emit(minute, "StockCounted", () => (record.onHand += units));
      }
      if (record.deliveryAt === undefined && record.onHand - record.reserved < averageRate * 6) {
        record.deliveryAt = minute + 120 + Math.floor(random() * 600);
        record.deliveryUnits = Math.max(1, Math.round(averageRate * 24));
      }
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
