import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MovementType, StockRecordSchema, StockStatus } from "../../../gen/invsync/wms/v2/stock_record_pb.js";
import { SyncStockRequestSchema } from "../../../gen/invsync/wms/v2/wms_sync_service_pb.js";
import { SKU_PATTERN } from "../../inventory/domain/sku.js";
import { ManualClock } from "../../shared/clock.js";
import { ValidationError } from "../../shared/errors.js";
import type { MappedUpdate } from "../application/wms-batch.js";
import { MAX_QUANTITY } from "./field-checks.js";
import { mapWmsV2Batch, WMS_V2 } from "./wms-v2-mapper.js";

const NOW = new Date("2026-11-24T12:00:00Z");
const options = { clock: new ManualClock(NOW), maxFutureSkewMs: 300_000 };
type RecordInit = MessageInitShape<typeof StockRecordSchema>;

function record(body: RecordInit["body"], overrides: RecordInit = {}): RecordInit {
  return { sourceSystem: "wms-b", seqNo: 9n, itemCode: "SKU-9", site: "DC-1", eventTime: timestampFromDate(new Date(NOW.getTime() - 1000)), body, ...overrides };
}
const movement = (value: object): RecordInit["body"] => ({ case: "movement", value: value as never });
const snapshot = (value: object): RecordInit["body"] => ({ case: "snapshot", value: value as never });

function mapOne(init: RecordInit): MappedUpdate {
  return mapWmsV2Batch(create(SyncStockRequestSchema, { batchRef: "r-1", records: [init] }), options).updates[0]!;
}

function rejection(init: RecordInit): [string, string] {
  const mapped = mapOne(init);
  assert.equal(mapped.kind, "rejected", JSON.stringify(mapped.raw));
  const { field, code } = (mapped as Extract<MappedUpdate, { kind: "rejected" }>).rejection;
  return [field, code];
}

describe("WMS v2 anti-corruption layer", () => {
  it("maps a snapshot to an absolute count: sellable into on_hand, damaged and quality hold apart", () => {
    const mapped = mapOne(record(snapshot({ sellable: 40n, damaged: 3n, qualityHold: 2n })));
    assert.equal(mapped.kind, "count");
    const { count } = mapped as Extract<MappedUpdate, { kind: "count" }>;
    assert.deepEqual([count.sku, count.locationId, count.quantity, count.reason], ["SKU-9", "DC-1", 40, "snapshot"]);
    assert.deepEqual(count.nonSellable, { damaged: 3, qualityHold: 2 });
    assert.deepEqual(count.origin, { wmsId: "wms-b", sequence: 9n, batchId: "r-1", schemaVersion: WMS_V2 });
  });

  it("reads an absent damaged or quality-hold count as 0: a snapshot lists every status", () => {
    const { count } = mapOne(record(snapshot({ sellable: 5n }))) as Extract<MappedUpdate, { kind: "count" }>;
    assert.deepEqual(count.nonSellable, { damaged: 0, qualityHold: 0 });
  });

  it("maps receipt, pick, ship and adjustment to one signed leg in our words", () => {
    const cases: Array<[MovementType, bigint, string]> = [
      [MovementType.RECEIPT, 12n, "receipt"],
      [MovementType.PICK, -2n, "pick"],
      [MovementType.SHIP, -3n, "ship"],
      [MovementType.ADJUSTMENT, -1n, "adjustment"],
    ];
    for (const [movementType, delta, kind] of cases) {
      const mapped = mapOne(record(movement({ movementType, delta, stockStatus: StockStatus.DAMAGED, reference: "DOC-1" })));
      const { movement: m } = mapped as Extract<MappedUpdate, { kind: "movement" }>;
      assert.equal(m.kind, kind);
      assert.deepEqual(m.legs, [{ locationId: "DC-1", status: "damaged", delta: Number(delta) }]);
      assert.equal(m.reference, "DOC-1");
    }
  });

  it("maps a transfer to two legs: out of the site and status, into the target ones", () => {
    const mapped = mapOne(record(movement({ movementType: MovementType.TRANSFER, delta: 4n, toSite: "DC-2" })));
    const { movement: m } = mapped as Extract<MappedUpdate, { kind: "movement" }>;
    assert.deepEqual(m.legs, [
      { locationId: "DC-1", status: "sellable", delta: -4 },
      { locationId: "DC-2", status: "sellable", delta: 4 },
    ]);
    const hold = mapOne(record(movement({ movementType: MovementType.TRANSFER, delta: 1n, toStockStatus: StockStatus.QUALITY_HOLD })));
    assert.deepEqual((hold as Extract<MappedUpdate, { kind: "movement" }>).movement.legs.map((l) => [l.locationId, l.status, l.delta]), [
      ["DC-1", "sellable", -1],
      ["DC-1", "quality_hold", 1],
    ]);
  });

  const cases: Array<[string, RecordInit, string, string]> = [
    ["no body", record(undefined as never), "body", "BODY_MISSING"],
    ["a missing source_system", record(snapshot({ sellable: 1n }), { sourceSystem: "" }), "source_system", "WMS_ID_MISSING"],
    ["a missing seq_no", record(snapshot({ sellable: 1n }), { seqNo: 0n }), "seq_no", "SEQUENCE_MISSING"],
    ["a bad item_code", record(snapshot({ sellable: 1n }), { itemCode: "A B" }), "item_code", "SKU_MALFORMED"],
    ["a bad site", record(snapshot({ sellable: 1n }), { site: "D/C" }), "site", "LOCATION_MALFORMED"],
    ["a missing event_time", record(snapshot({ sellable: 1n }), { eventTime: undefined }), "event_time", "OBSERVED_AT_MISSING"],
    ["a missing sellable", record(snapshot({ damaged: 1n })), "snapshot.sellable", "QUANTITY_MISSING"],
    ["a negative damaged count", record(snapshot({ sellable: 1n, damaged: -1n })), "snapshot.damaged", "QUANTITY_NEGATIVE"],
    ["an absurd quality hold", record(snapshot({ sellable: 1n, qualityHold: 10n ** 13n })), "snapshot.quality_hold", "QUANTITY_TOO_LARGE"],
    ["a movement without type", record(movement({ delta: 1n })), "movement.movement_type", "MOVEMENT_TYPE_MISSING"],
    ["an unknown movement type", record(movement({ movementType: 99, delta: 1n })), "movement.movement_type", "MOVEMENT_TYPE_UNKNOWN"],
    ["a negative receipt", record(movement({ movementType: MovementType.RECEIPT, delta: -1n })), "movement.delta", "DELTA_SIGN_MISMATCH"],
    ["a positive pick", record(movement({ movementType: MovementType.PICK, delta: 2n })), "movement.delta", "DELTA_SIGN_MISMATCH"],
    ["a zero adjustment", record(movement({ movementType: MovementType.ADJUSTMENT, delta: 0n })), "movement.delta", "DELTA_ZERO"],
    ["an absurd delta", record(movement({ movementType: MovementType.ADJUSTMENT, delta: -(10n ** 13n) })), "movement.delta", "DELTA_TOO_LARGE"],
    ["an unknown stock status", record(movement({ movementType: MovementType.RECEIPT, delta: 1n, stockStatus: 7 })), "movement.stock_status", "STOCK_STATUS_UNKNOWN"],
    ["a receipt with a target site", record(movement({ movementType: MovementType.RECEIPT, delta: 1n, toSite: "DC-2" })), "movement.to_site", "TRANSFER_FIELDS_UNEXPECTED"],
    ["a transfer to itself", record(movement({ movementType: MovementType.TRANSFER, delta: 1n, toSite: "DC-1" })), "movement.to_site", "TRANSFER_TO_ITSELF"],
    ["a transfer to a bad site", record(movement({ movementType: MovementType.TRANSFER, delta: 1n, toSite: "D C" })), "movement.to_site", "LOCATION_MALFORMED"],
    ["a long reference", record(movement({ movementType: MovementType.RECEIPT, delta: 1n, reference: "R".repeat(129) })), "movement.reference", "REFERENCE_TOO_LONG"],
  ];
  for (const [name, init, field, code] of cases) {
    it(`rejects ${name} (${field}: ${code})`, () => assert.deepEqual(rejection(init), [field, code]));
  }

  it("rejects a batch without batch_ref as a whole, naming the field", () => {
    assert.throws(
      () => mapWmsV2Batch(create(SyncStockRequestSchema, { batchRef: "", records: [] }), options),
      (error: unknown) => error instanceof ValidationError && error.violations[0]?.field === "batch_ref",
    );
  });

  it("for any record whatever, returns valid commands or a per-field rejection, and never throws", () => {
    const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -5n, max: 50n }));
    const body = fc.oneof(
      fc.constant(undefined),
      fc.record({ case: fc.constant("snapshot" as const), value: fc.record({ sellable: fc.option(int64, { nil: undefined }), damaged: fc.option(int64, { nil: undefined }), qualityHold: fc.option(int64, { nil: undefined }) }) }),
      fc.record({
        case: fc.constant("movement" as const),
        value: fc.record({
          movementType: fc.integer({ min: -1, max: 7 }),
          delta: int64,
          stockStatus: fc.integer({ min: -1, max: 5 }),
          toSite: fc.oneof(fc.constant(""), fc.constant("DC-2"), fc.string({ maxLength: 70 })),
          toStockStatus: fc.integer({ min: 0, max: 4 }),
          reference: fc.string({ maxLength: 140 }),
        }),
      }),
    );
    const anyRecord = fc.record({
      sourceSystem: fc.oneof(fc.constant("wms-b"), fc.string({ maxLength: 70 })),
      seqNo: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      itemCode: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), fc.string({ unit: "binary", maxLength: 70 })),
      site: fc.oneof(fc.constant(""), fc.constant("DC-1"), fc.string({ maxLength: 70 })),
      eventTime: fc.option(fc.record({ seconds: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }), { nil: undefined }),
      body,
    });
    fc.assert(
      fc.property(fc.array(anyRecord, { maxLength: 15 }), (records) => {
        const batch = mapWmsV2Batch(create(SyncStockRequestSchema, { batchRef: "b", records: records as never }), options);
        assert.equal(batch.updates.length, records.length);
        for (const mapped of batch.updates) {
          if (mapped.kind === "count") {
            assert.match(mapped.count.sku, SKU_PATTERN);
            for (const n of [mapped.count.quantity, mapped.count.nonSellable!.damaged, mapped.count.nonSellable!.qualityHold]) {
              assert.ok(Number.isSafeInteger(n) && n >= 0 && n <= MAX_QUANTITY);
            }
          } else if (mapped.kind === "movement") {
            const { legs } = mapped.movement;
            assert.ok(legs.length === 1 || legs.length === 2);
            assert.ok(legs.every((l) => Number.isSafeInteger(l.delta) && l.delta !== 0 && Math.abs(l.delta) <= MAX_QUANTITY));
            if (legs.length === 2) assert.equal(legs[0]!.delta + legs[1]!.delta, 0, "a transfer moves units, it never makes them");
          } else {
            assert.match(mapped.rejection.code, /^[A-Z_]+$/);
            assert.ok(mapped.rejection.field.length > 0 && mapped.rejection.reason.length > 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
