import assert from "node:assert/strict";
import fc from "fast-check";
import type { InventoryEventType } from "../../inventory/domain/inventory-event.js";
import { depletionRatePerHour, observeChange, reassess, timeToStockoutMs, type DepletionEstimate } from "./depletion-estimate.js";
import type { LowStockAlert } from "./low-stock-alert.js";
import { InvalidLowStockPolicy, lowStockPolicy, type LowStockPolicy } from "./low-stock-policy.js";
import type { ObservedStockChange } from "./stock-change.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = new Date("2026-12-07T08:00:00Z").getTime();
const POLICY: LowStockPolicy = lowStockPolicy({ horizonMs: 4 * HOUR, halfLifeMs: HOUR, clearFactor: 1.5 });
let nextId = 0;
const ids = { next: () => `alert-${++nextId}` };

/** Replays changes of one record; returns the final estimate and every alert. */
function replay(changes: readonly ObservedStockChange[], policy = POLICY): { estimate: DepletionEstimate | undefined; alerts: LowStockAlert[] } {
  let estimate: DepletionEstimate | undefined;
  const alerts: LowStockAlert[] = [];
  for (const change of changes) {
    const step = observeChange(estimate, change, policy, ids);
    estimate = step.estimate;
    if (step.alert) alerts.push(step.alert);
  }
  return { estimate, alerts };
}

/** A record's changes built from a list of (minutes after T0, type, available after). */
function record(steps: ReadonlyArray<[number, InventoryEventType, number]>, sku = "SKU-1"): ObservedStockChange[] {
  let available = 0;
  return steps.map(([minute, type, after], i) => {
    const change = { sku, locationId: "WH-1", type, version: i + 1, availableBefore: available, availableAfter: after, at: new Date(T0 + minute * MINUTE) };
    available = after;
    return change;
  });
}

/** Steady demand: a count of `start`, then one unit reserved every `everyMinutes`, `n` times. */
function steady(start: number, everyMinutes: number, n: number): ObservedStockChange[] {
  const steps: Array<[number, InventoryEventType, number]> = [[0, "StockCounted", start]];
  for (let i = 1; i <= n; i++) steps.push([i * everyMinutes, "StockReserved", start - i]);
  return record(steps);
}

describe("low-stock estimator (domain)", () => {
  it("refuses a horizon, half-life or clear factor that cannot work, naming it", () => {
    assert.throws(() => lowStockPolicy({ ...POLICY, horizonMs: 0 }), (e: unknown) => e instanceof InvalidLowStockPolicy && e.field === "horizonMs");
    assert.throws(() => lowStockPolicy({ ...POLICY, halfLifeMs: Number.NaN }), (e: unknown) => e instanceof InvalidLowStockPolicy && e.field === "halfLifeMs");
    assert.throws(() => lowStockPolicy({ ...POLICY, clearFactor: 0.5 }), (e: unknown) => e instanceof InvalidLowStockPolicy && e.field === "clearFactor");
  });

  it("estimates a steady demand's rate: one unit every 6 minutes is 10 an hour", () => {
    const { estimate } = replay(steady(1000, 6, 100));
    const at = new Date(T0 + 600 * MINUTE);
    const rate = depletionRatePerHour(estimate!, at, POLICY);
    assert.ok(Math.abs(rate - 10) < 0.6, `rate ${rate}`);
    assert.ok(Math.abs(timeToStockoutMs(estimate!, at, POLICY) / HOUR - 900 / rate) < 1e-9);
  });

  it("counts reservations and lower counts as outbound; fulfilments, restocks and overrides are not demand", () => {
    const noDecay = { ...POLICY, halfLifeMs: 1e15 };
    const { estimate } = replay(record([[0, "StockCounted", 100], [10, "StockReserved", 95], [20, "ReservationFulfilled", 95], [30, "StockCounted", 90], [40, "StockCounted", 200], [50, "StockOverridden", 150]]), noDecay);
    assert.ok(Math.abs(estimate!.weight - 10) < 1e-6, `weight ${estimate!.weight}`);
    assert.equal(estimate!.available, 150);
    assert.equal(estimate!.version, 6);
  });

  it("gives a released reservation's units back: reserve then release is no demand", () => {
    const noDecay = { ...POLICY, halfLifeMs: 1e15 };
    const { estimate } = replay(record([[0, "StockCounted", 50], [1, "StockReserved", 40], [2, "ReservationReleased", 50]]), noDecay);
    assert.equal(estimate!.weight, 0);
    assert.equal(depletionRatePerHour(estimate!, new Date(T0 + 3 * MINUTE), noDecay), 0);
  });

  it("raises once when the stockout comes within the horizon, with the facts it was computed from", () => {
    // 10 units an hour from 60: the stockout is 6 h out at first, under 4 h after 20 units.
    const { alerts } = replay(steady(60, 6, 30));
    assert.equal(alerts.length, 1);
    const raised = alerts[0]!;
    assert.equal(raised.type, "StockRunningLow");
    assert.equal(raised.horizonMs, 4 * HOUR);
    assert.ok(raised.available <= 45 && raised.available >= 30, `raised at ${raised.available}`);
    const expected = raised.at.getTime() + (raised.available / raised.ratePerHour) * HOUR;
    assert.ok(Math.abs(raised.expectedStockoutAt!.getTime() - expected) <= 1);
    assert.equal(raised.stockVersion, 61 - raised.available);
  });

  it("clears on a restock as restocked, naming the alert it clears", () => {
    const changes = steady(60, 6, 30);
    changes.push({ ...changes.at(-1)!, type: "StockCounted", version: 32, availableBefore: 30, availableAfter: 500, at: new Date(T0 + 181 * MINUTE) });
    const { alerts } = replay(changes);
    assert.deepEqual(alerts.map((a) => a.type), ["StockRunningLow", "StockRunningLowCleared"]);
    const cleared = alerts[1]!;
    assert.ok(cleared.type === "StockRunningLowCleared" && cleared.reason === "restocked" && cleared.raisedEventId === alerts[0]!.eventId);
    assert.equal(cleared.stockVersion, 32);
  });

  it("clears as demand eased when nothing moves for long enough, and never raises by waiting", () => {
    const { estimate, alerts } = replay(steady(60, 6, 30));
    assert.equal(alerts.length, 1);
    const soon = reassess(estimate!, new Date(T0 + 200 * MINUTE), POLICY, ids);
    assert.equal(soon.alert, undefined);
    const later = reassess(estimate!, new Date(T0 + 600 * MINUTE), POLICY, ids);
    assert.equal(later.alert?.type, "StockRunningLowCleared");
    assert.ok(later.alert?.type === "StockRunningLowCleared" && later.alert.reason === "demand_eased");
    assert.equal(later.estimate.alert, undefined);
  });

  it("does not flap between the horizon and horizon × clear factor", () => {
    // 10 an hour with 35 left: 3.5 h, raised. A restock to 50 (5 h) is above 4 h but below 6 h: still low.
    const changes = steady(60, 6, 25);
    changes.push({ ...changes.at(-1)!, type: "StockCounted", version: 27, availableBefore: 35, availableAfter: 50, at: new Date(T0 + 151 * MINUTE) });
    const { alerts, estimate } = replay(changes);
    assert.deepEqual(alerts.map((a) => a.type), ["StockRunningLow"]);
    assert.notEqual(estimate!.alert, undefined);
  });

  it("skips a redelivered change (version at or below the last) and does not start at zero demand", () => {
    const changes = steady(60, 6, 30);
    const once = replay(changes);
    const twice = replay([...changes, ...changes]);
    const withoutId = (e: DepletionEstimate | undefined) => e && { ...e, alert: e.alert && { ...e.alert, eventId: "" } };
    assert.deepEqual(withoutId(twice.estimate), withoutId(once.estimate));
    assert.equal(twice.alerts.length, 1);
    assert.equal(replay(record([[0, "StockCounted", 0]])).alerts.length, 0);
  });

  describe("properties", () => {
    type Step = { gapMinutes: number; type: InventoryEventType; quantity: number; redeliver: boolean };
    const step: fc.Arbitrary<Step> = fc.record({
      gapMinutes: fc.integer({ min: 0, max: 120 }),
      type: fc.constantFrom<InventoryEventType>("StockCounted", "StockReserved", "ReservationReleased", "ReservationFulfilled", "StockMoved", "StockOverridden"),
      quantity: fc.integer({ min: 0, max: 40 }),
      redeliver: fc.boolean(),
    });
    const policy = fc.record({ horizonMs: fc.integer({ min: 1, max: 48 * 60 }).map((m) => m * MINUTE), halfLifeMs: fc.integer({ min: 1, max: 24 * 60 }).map((m) => m * MINUTE), clearFactor: fc.double({ min: 1, max: 4, noNaN: true }) });

    /** A record's changes, available moved by each step, with some changes delivered twice. */
    function build(steps: readonly Step[]): ObservedStockChange[] {
      const out: ObservedStockChange[] = [];
      let available = 20;
      let minute = 0;
      let version = 0;
      for (const s of steps) {
        minute += s.gapMinutes;
        const before = available;
        if (s.type === "StockCounted" || s.type === "StockOverridden") available = s.quantity;
        else if (s.type === "StockReserved" || s.type === "StockMoved") available = Math.max(0, available - s.quantity);
        else if (s.type === "ReservationReleased") available += s.quantity;
        const change = { sku: "P", locationId: "L", type: s.type, version: ++version, availableBefore: before, availableAfter: available, at: new Date(T0 + minute * MINUTE) };
        out.push(change);
        if (s.redeliver) out.push(change);
      }
      return out;
    }

    it("alerts alternate raise, clear, raise … and each raise is under the horizon, each clear over horizon × clear factor", () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), policy, (steps, p) => {
          const { alerts } = replay(build(steps), p);
          alerts.forEach((alert, i) => {
            assert.equal(alert.type, i % 2 === 0 ? "StockRunningLow" : "StockRunningLowCleared");
            const tts = alert.expectedStockoutAt ? alert.expectedStockoutAt.getTime() - alert.at.getTime() : Number.POSITIVE_INFINITY;
            if (alert.type === "StockRunningLow") assert.ok(tts < p.horizonMs + 1, `raised at ${tts} ms`);
            else {
              assert.ok(tts > p.horizonMs * p.clearFactor - 1, `cleared at ${tts} ms`);
              assert.equal(alert.raisedEventId, alerts[i - 1]!.eventId);
            }
            assert.ok(alert.ratePerHour >= 0 && Number.isFinite(alert.ratePerHour));
          });
        }),
      );
    });

    it("a redelivered change changes nothing: the same alerts and estimate as each change once", () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
          const withCopies = build(steps);
          const once = build(steps.map((s) => ({ ...s, redeliver: false })));
          const a = replay(withCopies);
          const b = replay(once);
          assert.deepEqual(a.estimate && { ...a.estimate, alert: a.estimate.alert?.raisedAt }, b.estimate && { ...b.estimate, alert: b.estimate.alert?.raisedAt });
          assert.deepEqual(a.alerts.map((x) => [x.type, x.stockVersion]), b.alerts.map((x) => [x.type, x.stockVersion]));
        }),
      );
    });

    it("waiting never raises an alert and never raises the rate", () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 24 * 60 }), (steps, waitMinutes) => {
          const { estimate } = replay(build(steps));
          const last = estimate!.weightAt.getTime();
          const later = new Date(last + waitMinutes * MINUTE);
          assert.ok(depletionRatePerHour(estimate!, later, POLICY) <= depletionRatePerHour(estimate!, estimate!.weightAt, POLICY) + 1e-9);
          const check = reassess(estimate!, later, POLICY, ids);
          assert.notEqual(check.alert?.type, "StockRunningLow");
        }),
      );
    });
  });
});
