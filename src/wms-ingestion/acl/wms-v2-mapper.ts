import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { SyncStockRequest } from "../../../gen/invsync/wms/v2/wms_sync_service_pb.js";
import {
  MovementType,
  StockRecordSchema,
  StockStatus,
  type StockMovement as V2Movement,
  type StockRecord,
  type StockSnapshot,
} from "../../../gen/invsync/wms/v2/stock_record_pb.js";
import type { LocationId } from "../../inventory/domain/location-id.js";
import type { NonSellable, StockStatus as OurStatus } from "../../inventory/domain/non-sellable.js";
import type { MovementKind, MovementLeg } from "../../inventory/domain/stock-movement.js";
import type { MappedUpdate, WmsBatch } from "../application/wms-batch.js";
import { assertBatchId, checkLocation, checkObservedAt, checkQuantity, checkSequence, checkSku, checkWmsId, MAX_QUANTITY, type Checked } from "./field-checks.js";
import type { WmsV1MapperOptions } from "./wms-v1-mapper.js";

/** The schema version recorded for batches of this contract. */
export const WMS_V2 = "wms.v2";

/** Settings of the v2 mapper (the same as v1's). */
export type WmsV2MapperOptions = WmsV1MapperOptions;

const KINDS: ReadonlyMap<MovementType, MovementKind> = new Map([
  [MovementType.RECEIPT, "receipt"],
  [MovementType.PICK, "pick"],
  [MovementType.SHIP, "ship"],
  [MovementType.ADJUSTMENT, "adjustment"],
  [MovementType.TRANSFER, "transfer"],
]);
const STATUSES: ReadonlyMap<StockStatus, OurStatus> = new Map([
  [StockStatus.UNSPECIFIED, "sellable"],
  [StockStatus.SELLABLE, "sellable"],
  [StockStatus.DAMAGED, "damaged"],
  [StockStatus.QUALITY_HOLD, "quality_hold"],
]);
/** The sign each movement type's delta must have. */
const SIGNS: Record<MovementKind, { ok: (delta: bigint) => boolean; rule: string }> = {
  receipt: { ok: (d) => d > 0n, rule: "a RECEIPT's delta must be above 0" },
  pick: { ok: (d) => d < 0n, rule: "a PICK's delta must be below 0" },
  ship: { ok: (d) => d < 0n, rule: "a SHIP's delta must be below 0" },
  adjustment: { ok: (d) => d !== 0n, rule: "an ADJUSTMENT's delta must not be 0" },
  transfer: { ok: (d) => d > 0n, rule: "a TRANSFER's delta (units moved) must be above 0" },
};

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = (field: string, code: string, reason: string): Checked<never> => ({ ok: false, rejection: { field, code, reason } });

/**
 * The anti-corruption layer for WMS contract v2: snapshots become `StockCount`s (sellable into
 * on_hand, damaged and quality hold apart), movements become `StockMovement`s with signed legs.
 * Each bad record is refused on its own (first failing field, in contract order); only a missing
 * or oversized `batch_ref` fails the whole request.
 */
export function mapWmsV2Batch(request: SyncStockRequest, options: WmsV2MapperOptions): WmsBatch {
  const batchId = request.batchRef;
  assertBatchId("batch_ref", batchId);
  const now = options.clock.now();
  return {
    batchId,
    schemaVersion: WMS_V2,
    updates: request.records.map((record, index) => mapRecord(record, index, batchId, now, options.maxFutureSkewMs)),
  };
}

/** Maps one v2 record at `index` of batch `batchId`; also used for files, pulls and replays. */
export function mapRecord(record: StockRecord, index: number, batchId: string, now: Date, maxFutureSkewMs: number): MappedUpdate {
  const raw = rawRecord(record);
  const wmsId = checkWmsId("source_system", record.sourceSystem);
  const sequence = checkSequence("seq_no", record.seqNo);
  const sku = checkSku("item_code", record.itemCode);
  const site = checkLocation("site", record.site);
  const observedAt = checkObservedAt("event_time", record.eventTime && timestampDate(record.eventTime), now, maxFutureSkewMs);
  const body = checkBody(record, site);
  const checks = [wmsId, sequence, sku, site, observedAt, body] as const;
  if (wmsId.ok && sequence.ok && sku.ok && site.ok && observedAt.ok && body.ok) {
    const origin = { batchId, schemaVersion: WMS_V2, wmsId: wmsId.value, sequence: sequence.value };
    const { value } = body;
    if (value.kind === "snapshot") {
      const count = { sku: sku.value, locationId: site.value, quantity: value.sellable, observedAt: observedAt.value, reason: "snapshot" as const, origin, nonSellable: value.nonSellable };
      return { kind: "count", index, raw, count };
    }
    const movement = { sku: sku.value, kind: value.kind, legs: value.legs, observedAt: observedAt.value, reference: value.reference, origin };
    return { kind: "movement", index, raw, movement };
  }
  const failed = checks.find((c) => !c.ok) as Extract<Checked<unknown>, { ok: false }>;
  return {
    kind: "rejected",
    index,
    raw,
    rejection: failed.rejection,
    identity: {
      wmsId: record.sourceSystem || undefined,
      sequence: record.seqNo === 0n ? undefined : record.seqNo,
      sku: record.itemCode || undefined,
      locationId: record.site || undefined,
      observedAt: record.eventTime && timestampDate(record.eventTime),
    },
  };
}

type Body =
  | { kind: "snapshot"; sellable: number; nonSellable: NonSellable }
  | { kind: MovementKind; legs: MovementLeg[]; reference: string };

function checkBody(record: StockRecord, site: Checked<LocationId>): Checked<Body> {
  switch (record.body.case) {
    case "snapshot":
      return checkSnapshot(record.body.value);
    case "movement":
      return site.ok ? checkMovement(record.body.value, site.value) : site;
    default:
      return refuse("body", "BODY_MISSING", "exactly one of snapshot or movement is required");
  }
}

function checkSnapshot(snapshot: StockSnapshot): Checked<Body> {
  const sellable = checkQuantity("snapshot.sellable", asNumber(snapshot.sellable));
  const damaged = checkQuantity("snapshot.damaged", asNumber(snapshot.damaged ?? 0n));
  const qualityHold = checkQuantity("snapshot.quality_hold", asNumber(snapshot.qualityHold ?? 0n));
  if (!sellable.ok) return sellable;
  if (!damaged.ok) return damaged;
  if (!qualityHold.ok) return qualityHold;
  return ok({ kind: "snapshot", sellable: sellable.value, nonSellable: { damaged: damaged.value, qualityHold: qualityHold.value } });
}

function checkMovement(movement: V2Movement, site: LocationId): Checked<Body> {
  if (movement.movementType === MovementType.UNSPECIFIED) return refuse("movement.movement_type", "MOVEMENT_TYPE_MISSING", "is required");
  const kind = KINDS.get(movement.movementType);
  if (!kind) return refuse("movement.movement_type", "MOVEMENT_TYPE_UNKNOWN", `${movement.movementType} is not a v2 movement type`);
  const { delta } = movement;
  if (!SIGNS[kind].ok(delta)) return refuse("movement.delta", delta === 0n ? "DELTA_ZERO" : "DELTA_SIGN_MISMATCH", `${SIGNS[kind].rule}, got ${delta}`);
  if (delta > BigInt(MAX_QUANTITY) || delta < -BigInt(MAX_QUANTITY)) {
    return refuse("movement.delta", "DELTA_TOO_LARGE", `must be at most ${MAX_QUANTITY} units either way, got ${delta}`);
  }
  const status = STATUSES.get(movement.stockStatus);
  if (!status) return refuse("movement.stock_status", "STOCK_STATUS_UNKNOWN", `${movement.stockStatus} is not a v2 stock status`);
  if (movement.reference.length > 128) return refuse("movement.reference", "REFERENCE_TOO_LONG", "must be at most 128 characters");
  const units = Number(delta);
  if (kind !== "transfer") {
    if (movement.toSite !== "" || movement.toStockStatus !== StockStatus.UNSPECIFIED) {
      return refuse("movement.to_site", "TRANSFER_FIELDS_UNEXPECTED", "to_site and to_stock_status are only for a TRANSFER");
    }
    return ok({ kind, legs: [{ locationId: site, status, delta: units }], reference: movement.reference });
  }
  const toSite = movement.toSite === "" ? ok(site) : checkLocation("movement.to_site", movement.toSite);
  if (!toSite.ok) return toSite;
  const toStatus = movement.toStockStatus === StockStatus.UNSPECIFIED ? status : STATUSES.get(movement.toStockStatus);
  if (!toStatus) return refuse("movement.to_stock_status", "STOCK_STATUS_UNKNOWN", `${movement.toStockStatus} is not a v2 stock status`);
  if (toSite.value === site && toStatus === status) {
    return refuse("movement.to_site", "TRANSFER_TO_ITSELF", "a TRANSFER must change the site, the stock status or both");
  }
  const legs: MovementLeg[] = [
    { locationId: site, status, delta: -units },
    { locationId: toSite.value, status: toStatus, delta: units },
  ];
  return ok({ kind, legs, reference: movement.reference });
}

/** The record as received, in canonical JSON; a timestamp JSON cannot spell is kept as seconds and nanos. */
function rawRecord(record: StockRecord): unknown {
  try {
    return toJson(StockRecordSchema, record);
  } catch {
    const { eventTime, ...rest } = record;
    const json = toJson(StockRecordSchema, { ...rest, eventTime: undefined } as StockRecord) as Record<string, unknown>;
    return eventTime ? { ...json, eventTime: { seconds: eventTime.seconds.toString(), nanos: eventTime.nanos } } : json;
  }
}

/** A protobuf int64 as a number for the quantity checks; beyond 2^53 it is too large anyway. */
function asNumber(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
