import { create, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InventoryUpdateSchema } from "../../../gen/invsync/wms/v1/inventory_update_pb.js";
import { SyncInventoryRequestSchema } from "../../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { SKU_PATTERN } from "../../inventory/domain/sku.js";
import { ManualClock } from "../../shared/clock.js";
import { ValidationError } from "../../shared/errors.js";
import type { MappedUpdate } from "../application/wms-batch.js";
import { MAX_QUANTITY } from "./field-checks.js";
import { mapWmsV1Batch, WMS_V1 } from "./wms-v1-mapper.js";

const NOW = new Date("2026-11-24T12:00:00Z");
const options = { clock: new ManualClock(NOW), maxFutureSkewMs: 300_000 };

type UpdateInit = MessageInitShape<typeof InventoryUpdateSchema>;

function good(overrides: UpdateInit = {}): UpdateInit {
  return {
    wmsId: "wms-a",
    sequence: 7n,
    sku: "SKU-1",
    quantity: 12,
    status: "COUNTED",
    observedAt: timestampFromDate(new Date(NOW.getTime() - 1000)),
    ...overrides,
  };
}

function mapOne(update: UpdateInit): MappedUpdate {
  const request = create(SyncInventoryRequestSchema, { batchId: "b-1", updates: [update] });
  return mapWmsV1Batch(request, options).updates[0]!;
}

function rejection(update: UpdateInit): { field: string; code: string } {
  const mapped = mapOne(update);
  assert.equal(mapped.kind, "rejected", `expected a rejection for ${JSON.stringify(mapped.raw)}`);
  const { field, code } = (mapped as Extract<MappedUpdate, { kind: "rejected" }>).rejection;
  return { field, code };
}

describe("WMS v1 anti-corruption layer", () => {
  it("maps a good update to a StockCount in our vocabulary", () => {
    const mapped = mapOne(good({ status: "shipped", locationId: "DC-1" }));
    assert.equal(mapped.kind, "count");
    const { count } = mapped as Extract<MappedUpdate, { kind: "count" }>;
    assert.equal(count.sku, "SKU-1");
    assert.equal(count.locationId, "DC-1");
    assert.equal(count.quantity, 12);
    assert.equal(count.reason, "shipped");
    assert.deepEqual(count.origin, { wmsId: "wms-a", sequence: 7n, batchId: "b-1", schemaVersion: WMS_V1 });
    assert.deepEqual(mapped.raw, {
      wmsId: "wms-a",
      sequence: "7",
      sku: "SKU-1",
      quantity: 12,
      status: "shipped",
      locationId: "DC-1",
      observedAt: "2026-11-24T11:59:59Z",
    });
  });

  it("writes a valid update's raw payload exactly as protobuf's canonical JSON would", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 946_684_800, max: Math.floor(NOW.getTime() / 1000) - 1 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 }).map((ms) => ms * 1_000_000), fc.integer({ min: 0, max: 999_999_999 })),
        fc.option(fc.stringMatching(/^[A-Za-z0-9._-]{0,10}$/), { nil: undefined }),
        (seconds, nanos, locationId) => {
          const update = create(InventoryUpdateSchema, good({ locationId, observedAt: { seconds: BigInt(seconds), nanos } }));
          const mapped = mapWmsV1Batch(create(SyncInventoryRequestSchema, { batchId: "b", updates: [update] }), options).updates[0]!;
          assert.equal(mapped.kind, "count");
          assert.deepEqual(mapped.raw, toJson(InventoryUpdateSchema, update));
        },
      ),
    );
  });

  it("uses the default location when none or an empty one is given", () => {
    for (const locationId of [undefined, ""]) {
      const mapped = mapOne(good({ locationId }));
      assert.equal((mapped as Extract<MappedUpdate, { kind: "count" }>).count.locationId, "default");
    }
  });

  const cases: Array<[string, UpdateInit, string, string]> = [
    ["an empty SKU", good({ sku: "" }), "sku", "SKU_MISSING"],
    ["a SKU with a space", good({ sku: "SKU 1" }), "sku", "SKU_MALFORMED"],
    ["a SKU of 65 characters", good({ sku: "S".repeat(65) }), "sku", "SKU_MALFORMED"],
    ["a SKU with a NUL", good({ sku: "A\u0000B" }), "sku", "SKU_MALFORMED"],
    ["a negative quantity", good({ quantity: -1 }), "quantity", "QUANTITY_NEGATIVE"],
    ["a fractional quantity", good({ quantity: 1.5 }), "quantity", "QUANTITY_NOT_INTEGER"],
    ["a missing quantity", good({ quantity: undefined }), "quantity", "QUANTITY_MISSING"],
    ["NaN", good({ quantity: Number.NaN }), "quantity", "QUANTITY_NOT_FINITE"],
    ["an absurd quantity", good({ quantity: MAX_QUANTITY + 1 }), "quantity", "QUANTITY_TOO_LARGE"],
    ["an unknown status", good({ status: "LOST_IN_SPACE" }), "status", "STATUS_UNKNOWN"],
    ["a missing status", good({ status: "" }), "status", "STATUS_MISSING"],
    ["a missing sequence", good({ sequence: 0n }), "sequence", "SEQUENCE_MISSING"],
    ["a sequence beyond bigint", good({ sequence: 2n ** 63n }), "sequence", "SEQUENCE_OUT_OF_RANGE"],
    ["a missing wms_id", good({ wmsId: "" }), "wms_id", "WMS_ID_MISSING"],
    ["a malformed wms_id", good({ wmsId: "wms/a" }), "wms_id", "WMS_ID_MALFORMED"],
    ["a malformed location", good({ locationId: "DC 1" }), "location_id", "LOCATION_MALFORMED"],
    ["a missing observed_at", good({ observedAt: undefined }), "observed_at", "OBSERVED_AT_MISSING"],
    [
      "an observed_at an hour ahead",
      good({ observedAt: timestampFromDate(new Date(NOW.getTime() + 3_600_000)) }),
      "observed_at",
      "OBSERVED_AT_IN_FUTURE",
    ],
    ["an observed_at in 1970", good({ observedAt: timestampFromDate(new Date(0)) }), "observed_at", "OBSERVED_AT_OUT_OF_RANGE"],
  ];
  for (const [name, update, field, code] of cases) {
    it(`rejects ${name} (${field}: ${code})`, () => assert.deepEqual(rejection(update), { field, code }));
  }

  it("accepts an observed_at within the allowed clock skew", () => {
    assert.equal(mapOne(good({ observedAt: timestampFromDate(new Date(NOW.getTime() + 299_000)) })).kind, "count");
  });

  it("reports the first failing field in contract order and keeps what could be read", () => {
    const mapped = mapOne(good({ sku: "", quantity: -5 })) as Extract<MappedUpdate, { kind: "rejected" }>;
    assert.equal(mapped.rejection.field, "sku");
    assert.equal(mapped.identity.wmsId, "wms-a");
    assert.equal(mapped.identity.sequence, 7n);
    assert.equal(mapped.identity.quantity, -5);
  });

  it("rejects a batch without batch_id as a whole, naming the field", () => {
    const request = create(SyncInventoryRequestSchema, { batchId: "", updates: [good()] });
    assert.throws(
      () => mapWmsV1Batch(request, options),
      (error: unknown) => error instanceof ValidationError && error.violations[0]?.field === "batch_id",
    );
  });

  it("for any update whatever, returns a valid count or a per-field rejection, and never throws", () => {
    const timestamp = fc.option(
      fc.record({ seconds: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }),
      { nil: undefined },
    );
    const update = fc.record({
      wmsId: fc.oneof(fc.constant("wms-a"), fc.string({ maxLength: 80 })),
      sequence: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      sku: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), fc.string({ unit: "binary", maxLength: 80 })),
      quantity: fc.option(fc.oneof(fc.double(), fc.integer({ min: -10, max: 1e6 })), { nil: undefined }),
      status: fc.oneof(fc.constantFrom("COUNTED", "received", "Shipped", "ADJUSTED", "SNAPSHOT"), fc.string({ maxLength: 20 })),
      locationId: fc.option(fc.string({ maxLength: 70 }), { nil: undefined }),
      observedAt: timestamp,
    });
    fc.assert(
      fc.property(fc.array(update, { maxLength: 20 }), (updates) => {
        const request = create(SyncInventoryRequestSchema, { batchId: "b", updates });
        const batch = mapWmsV1Batch(request, options);
        assert.equal(batch.updates.length, updates.length);
        batch.updates.forEach((mapped, index) => {
          assert.equal(mapped.index, index);
          if (mapped.kind === "count") {
            const { count } = mapped;
            assert.match(count.sku, SKU_PATTERN);
            assert.ok(Number.isSafeInteger(count.quantity) && count.quantity >= 0 && count.quantity <= MAX_QUANTITY);
            assert.ok(count.origin.sequence >= 1n && count.origin.sequence < 2n ** 63n);
            assert.ok(count.observedAt.getTime() <= NOW.getTime() + options.maxFutureSkewMs);
          } else {
            assert.equal(mapped.kind, "rejected", "v1 has no movements");
            if (mapped.kind !== "rejected") return;
            assert.ok(["wms_id", "sequence", "sku", "quantity", "status", "location_id", "observed_at"].includes(mapped.rejection.field));
            assert.match(mapped.rejection.code, /^[A-Z_]+$/);
            assert.ok(mapped.rejection.reason.length > 0);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
