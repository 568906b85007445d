import type { InventoryEventType } from "../../src/inventory/domain/inventory-event.js";
import type { ObservedStockChange } from "../../src/low-stock/domain/stock-change.js";
import { recordKey, WarehouseFloor, type SimulatedDay } from "../evaluate/simulated-day.js";

/** A stock record as the service holds it in this model. */
interface ServiceRecord {
  readonly sku: string;
  readonly locationId: string;
  onHand: number;
  reserved: number;
  version: number;
  /** Observation time of the latest count applied: an older count delivered late is stale. */
  lastCountObservedMs: number;
}

type Step =
  | { readonly atMs: number; readonly order: 0; readonly kind: "observe"; readonly event: SimulatedDay["wms"][number]; readonly index: number }
  | { readonly atMs: number; readonly order: 1; readonly kind: "deliver"; readonly index: number }
  | { readonly atMs: number; readonly order: 2; readonly kind: "reserve"; readonly line: SimulatedDay["orders"][number] }
  | { readonly atMs: number; readonly order: 3; readonly kind: "close"; readonly line: SimulatedDay["orders"][number] };

/**
 * The stock changes the service's event stream would carry for the evaluation harness's simulated
 * day (bench/evaluate/simulated-day.ts), in simulated time from `start`, for the low-stock backtest.
 * The physical floor is the day's {@link WarehouseFloor}; the service's records follow what reaches
 * it: every record starts with a count at 00:00; a WMS update takes effect when it is delivered (late
 * ones late, the outage's as its backfill, a duplicate once), a count setting on_hand unless a newer
 * count was already applied, a movement adding its delta (never below zero; none observed before the
 * latest count applied, which shows it already); an order line reserves
 * at the warehouse with the most available (the service's choice without routing rules) or is
 * refused, and at its close is released (cancelled) or fulfilled (picked from the floor, on_hand and
 * reserved down by its quantity). Changes that change nothing (a count equal to on_hand) are events
 * too, as in the service. In time order, per record in version order.
 */
export function harnessDayChanges(day: SimulatedDay, start: Date): ObservedStockChange[] {
  const t0 = start.getTime();
  const floor = new WarehouseFloor(day.records);
  const records = new Map<string, ServiceRecord>();
  const locationsBySku = new Map<string, ServiceRecord[]>();
  const out: ObservedStockChange[] = [];
  const emit = (record: ServiceRecord, atMs: number, type: InventoryEventType, change: () => void) => {
    const before = Math.max(0, record.onHand - record.reserved);
    change();
    record.version++;
    out.push({ sku: record.sku, locationId: record.locationId, type, version: record.version, availableBefore: before, availableAfter: Math.max(0, record.onHand - record.reserved), at: new Date(t0 + atMs) });
  };
  for (const r of day.records) {
    const record: ServiceRecord = { sku: r.sku, locationId: r.location, onHand: 0, reserved: 0, version: 0, lastCountObservedMs: 0 };
    records.set(recordKey(r.sku, r.location), record);
    locationsBySku.set(r.sku, [...(locationsBySku.get(r.sku) ?? []), record]);
    emit(record, 0, "StockCounted", () => (record.onHand = r.startingStock));
  }

  const steps: Step[] = [];
  day.wms.forEach((event, index) => {
    steps.push({ atMs: event.observedMs, order: 0, kind: "observe", event, index });
    if (event.reported) steps.push({ atMs: event.deliverMs, order: 1, kind: "deliver", index });
  });
  for (const line of day.orders) {
    steps.push({ atMs: line.atMs, order: 2, kind: "reserve", line });
    steps.push({ atMs: line.closeMs, order: 3, kind: "close", line });
  }
  steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order);

  const reported = new Map<number, number>();
  const reservedAt = new Map<string, ServiceRecord>();
  for (const step of steps) {
    switch (step.kind) {
      case "observe":
        reported.set(step.index, floor.observe(step.event));
        break;
      case "deliver": {
        const event = day.wms[step.index]!;
        const record = records.get(recordKey(event.sku, event.location))!;
        const value = reported.get(step.index)!;
        if (event.kind === "count") {
          if (event.observedMs < record.lastCountObservedMs) break; // stale: a newer count is in
          emit(record, step.atMs, "StockCounted", () => {
            record.onHand = value;
            record.lastCountObservedMs = event.observedMs;
          });
        } else if (event.observedMs >= record.lastCountObservedMs) {
          emit(record, step.atMs, "StockMoved", () => (record.onHand = Math.max(0, record.onHand + value)));
        }
        break;
      }
      case "reserve": {
        const { line } = step;
        let best: ServiceRecord | undefined;
        for (const r of locationsBySku.get(line.sku) ?? []) if (!best || r.onHand - r.reserved > best.onHand - best.reserved) best = r;
        if (!best || best.onHand - best.reserved < line.quantity) break; // refused: nothing changes
        const record = best;
        reservedAt.set(line.id, record);
        emit(record, step.atMs, "StockReserved", () => (record.reserved += line.quantity));
        break;
      }
      case "close": {
        const { line } = step;
        const record = reservedAt.get(line.id);
        if (!record) break;
        if (line.cancelled) {
          emit(record, step.atMs, "ReservationReleased", () => (record.reserved -= line.quantity));
        } else {
          floor.pick(record.sku, record.locationId, line.quantity);
          emit(record, step.atMs, "ReservationFulfilled", () => {
            record.reserved -= line.quantity;
            record.onHand = Math.max(0, record.onHand - line.quantity);
          });
        }
        break;
      }
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
