import assert from "node:assert/strict";
import fc from "fast-check";
import { asLocationId } from "../../inventory/domain/location-id.js";
import type { PendingShipment } from "../../inventory/domain/pending-shipment.js";
import { settleCounts } from "../../inventory/domain/settle-counts.js";
import { asSku } from "../../inventory/domain/sku.js";
import { availableOf, stockKey, type StockLevel } from "../../inventory/domain/stock-level.js";
import { isInventorySyncError } from "../../shared/errors.js";
import { chooseLocation } from "./choose-location.js";
import { closed, type Reservation } from "./reservation.js";
import { holdStock, releaseStock, shipStock, type StockChange } from "./stock-changes.js";

const SKU = asSku("P-1");
const LOCATIONS = [asLocationId("A"), asLocationId("B")];
let nextId = 0;
const ids = { next: () => `id-${++nextId}` };

type Operation =
  | { kind: "reserve"; quantity: number; location: number | undefined }
  | { kind: "release" | "expire" | "fulfil"; pick: number }
  | { kind: "count"; location: number; quantity: number; ageMs: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant("reserve" as const), quantity: fc.integer({ min: 1, max: 6 }), location: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }) }),
  fc.record({ kind: fc.constantFrom("release" as const, "expire" as const, "fulfil" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("count" as const), location: fc.integer({ min: 0, max: 1 }), quantity: fc.nat(15), ageMs: fc.nat(5000) }),
);

/** A reservation with what the model needs; the rest is constant. */
function reservation(id: string, locationId: StockLevel["locationId"], quantity: number): Reservation {
  const t = new Date(0);
  return {
    id, sku: SKU, locationId, requestedLocationId: undefined, quantity, orderReference: "o", idempotencyKey: id, fingerprint: "",
    status: "active", expiresAt: t, createdAt: t, updatedAt: t, closedAt: undefined, shipmentReference: "",
  };
}

describe("reservation stock changes (model-based)", () => {
  it("for any sequence of reservations, releases, expiries, fulfilments and counts, reserved is the sum of active reservations and nothing goes negative", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const levels = new Map(LOCATIONS.map((locationId) => [locationId as string, { sku: SKU, locationId, onHand: 0, reserved: 0, version: 0, watermark: undefined, updatedAt: new Date(0) } as StockLevel]));
        const reservations: Reservation[] = [];
        const pending: PendingShipment[] = [];
        let now = 1_000_000;
        let sequence = 0;
        const apply = (change: StockChange) => {
          assert.deepEqual(change.event.after, { onHand: change.level.onHand, reserved: change.level.reserved, available: availableOf(change.level.onHand, change.level.reserved) });
          assert.equal(change.event.version, change.level.version);
          levels.set(change.level.locationId, change.level);
        };

        for (const op of operations) {
          now += 1000;
          const at = new Date(now);
          if (op.kind === "reserve") {
            const requested = op.location === undefined ? undefined : LOCATIONS[op.location];
            try {
              const level = chooseLocation(SKU, [...levels.values()], op.quantity, requested);
              const made = reservation(ids.next(), level.locationId, op.quantity);
              apply(holdStock(level, made, at, ids));
              reservations.push(made);
            } catch (error) {
              assert.ok(isInventorySyncError(error), String(error));
              const fits = [...levels.values()].some((l) => (!requested || l.locationId === requested) && availableOf(l.onHand, l.reserved) >= op.quantity);
              assert.ok(!fits, "refused although it fitted");
            }
          } else if (op.kind === "count") {
            const locationId = LOCATIONS[op.location]!;
            const key = stockKey(SKU, locationId);
            const count = { sku: SKU, locationId, quantity: op.quantity, observedAt: new Date(now - op.ageMs), reason: "counted" as const, origin: { wmsId: "w", sequence: BigInt(++sequence), batchId: "b", schemaVersion: "wms.v1" } };
            const here = pending.filter((p) => p.locationId === locationId);
            const result = settleCounts(new Map([[key, levels.get(locationId)!]]), [count], { pending: new Map([[key, here]]), settleMs: 2000 }, at, ids);
            for (const level of result.changed) levels.set(level.locationId, level);
            for (const id of result.settledShipments) pending.splice(pending.findIndex((p) => p.reservationId === id), 1);
          } else if (reservations.length > 0) {
            const index = op.pick % reservations.length;
            const target = reservations[index]!;
            const level = levels.get(target.locationId)!;
            if (op.kind === "fulfil" && (target.status === "active" || target.status === "expired")) {
              const shipped = shipStock(level, target, at, ids);
              apply(shipped);
              pending.push(shipped.shipment);
              reservations[index] = closed(target, "fulfilled", at);
            } else if (op.kind !== "fulfil" && target.status === "active") {
              apply(releaseStock(level, target, op.kind === "release" ? "ReservationReleased" : "ReservationExpired", at, ids));
              reservations[index] = closed(target, op.kind === "release" ? "released" : "expired", at);
            }
          }
          for (const level of levels.values()) {
            const active = reservations.filter((r) => r.status === "active" && r.locationId === level.locationId).reduce((sum, r) => sum + r.quantity, 0);
            assert.equal(level.reserved, active, `reserved at ${level.locationId}`);
            assert.ok(level.onHand >= 0 && availableOf(level.onHand, level.reserved) >= 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
