import { toJson } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { InventoryUpdate } from "../../../gen/invsync/wms/v1/inventory_update_pb.js";
import { InventoryUpdateSchema } from "../../../gen/invsync/wms/v1/inventory_update_pb.js";
import type { SyncInventoryRequest } from "../../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import type { CountReason, StockCount } from "../../inventory/domain/stock-count.js";
import type { Clock } from "../../shared/clock.js";
import type { MappedUpdate, PartialIdentity, WmsBatch } from "../application/wms-batch.js";
import {
  assertBatchId,
  checkLocation,
  checkObservedAt,
  checkQuantity,
  checkSequence,
  checkSku,
  checkWmsId,
  type Checked,
} from "./field-checks.js";

/** The schema version recorded for batches of this contract. */
export const WMS_V1 = "wms.v1";

/** WMS v1 status codes and what they mean to us. Anything else is refused, never guessed. */
const STATUSES: ReadonlyMap<string, CountReason> = new Map([
  ["COUNTED", "counted"],
  ["RECEIVED", "received"],
  ["SHIPPED", "shipped"],
  ["ADJUSTED", "adjusted"],
  ["SNAPSHOT", "snapshot"],
]);

/** Settings of the v1 mapper. */
export interface WmsV1MapperOptions {
  readonly clock: Clock;
  /** How far ahead of our clock an `observed_at` may be. */
  readonly maxFutureSkewMs: number;
}

/**
 * The anti-corruption layer for WMS contract v1: turns a `SyncInventoryRequest` into our batch of
 * `StockCount` commands, refusing each bad update on its own (first failing field, in contract
 * order) so one bad line never blocks the rest. Only a missing or oversized `batch_id` fails the
 * whole request.
 */
export function mapWmsV1Batch(request: SyncInventoryRequest, options: WmsV1MapperOptions): WmsBatch {
  const batchId = request.batchId;
  assertBatchId("batch_id", batchId);
  const now = options.clock.now();
  const origin = { batchId, schemaVersion: WMS_V1 };
  const updates = request.updates.map((update, index) => mapUpdate(update, index, origin, now, options.maxFutureSkewMs));
  return { batchId, schemaVersion: WMS_V1, updates };
}

/** Maps one v1 update at `index` of a batch (see {@link mapWmsV1Batch}); also used for files, pulls and replays. */
export function mapUpdate(
  update: InventoryUpdate,
  index: number,
  batch: { batchId: string; schemaVersion: string },
  now: Date,
  maxFutureSkewMs: number,
): MappedUpdate {
  const wmsId = checkWmsId("wms_id", update.wmsId);
  const sequence = checkSequence("sequence", update.sequence);
  const sku = checkSku("sku", update.sku);
  const quantity = checkQuantity("quantity", update.quantity);
  const reason = checkStatus(update.status);
  const locationId = checkLocation("location_id", update.locationId);
  const observedAt = checkObservedAt("observed_at", update.observedAt && timestampDate(update.observedAt), now, maxFutureSkewMs);

  if (wmsId.ok && sequence.ok && sku.ok && quantity.ok && reason.ok && locationId.ok && observedAt.ok) {
    const count: StockCount = {
      sku: sku.value,
      locationId: locationId.value,
      quantity: quantity.value,
      observedAt: observedAt.value,
      reason: reason.value,
      origin: { ...batch, wmsId: wmsId.value, sequence: sequence.value },
    };
    return { kind: "count", index, raw: canonicalJson(update, update.observedAt!), count };
  }
  const firstFailure = [wmsId, sequence, sku, quantity, reason, locationId, observedAt].find((c) => !c.ok);
  const identity: PartialIdentity = {
    wmsId: update.wmsId || undefined,
    sequence: update.sequence === 0n ? undefined : update.sequence,
    sku: update.sku || undefined,
    locationId: update.locationId || undefined,
    quantity: update.quantity,
    observedAt: update.observedAt && timestampDate(update.observedAt),
  };
  return { kind: "rejected", index, raw: rawUpdate(update), rejection: (firstFailure as Extract<Checked<unknown>, { ok: false }>).rejection, identity };
}

function checkStatus(value: string): Checked<CountReason> {
  if (value === "") return { ok: false, rejection: { field: "status", code: "STATUS_MISSING", reason: "is required" } };
  const reason = STATUSES.get(value.toUpperCase());
  if (reason) return { ok: true, value: reason };
  return {
    ok: false,
    rejection: {
      field: "status",
      code: "STATUS_UNKNOWN",
      reason: `"${value.slice(0, 40)}" is not a v1 status; expected one of ${[...STATUSES.keys()].join(", ")}`,
    },
  };
}

/**
 * A valid update's canonical JSON (what `toJson` makes of it), written out directly: this runs for
 * every update of every batch, and the generic reflection-based writer cost several percent of the
 * service's CPU. The unit tests pin it to `toJson`'s output.
 */
function canonicalJson(update: InventoryUpdate, observedAt: Timestamp): Record<string, unknown> {
  const json: Record<string, unknown> = {
    wmsId: update.wmsId,
    sequence: update.sequence.toString(),
    sku: update.sku,
    quantity: update.quantity,
    status: update.status,
  };
  if (update.locationId !== undefined) json.locationId = update.locationId;
  json.observedAt = rfc3339(observedAt);
  return json;
}

/** A timestamp in protobuf's JSON form: UTC, with 0, 3, 6 or 9 fraction digits. */
function rfc3339({ seconds, nanos }: Timestamp): string {
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const digits = nanos % 1_000_000 === 0 ? 3 : nanos % 1000 === 0 ? 6 : 9;
  return `${base}.${String(nanos).padStart(9, "0").slice(0, digits)}Z`;
}

/**
 * The update as received, in canonical JSON, for the inbox. A binary request can carry values JSON
 * cannot spell (a timestamp beyond year 9999); those are kept as their raw seconds and nanos.
 */
function rawUpdate(update: InventoryUpdate): unknown {
  try {
    return toJson(InventoryUpdateSchema, update);
  } catch {
    const { observedAt, ...rest } = update;
    const json = toJson(InventoryUpdateSchema, { ...rest, observedAt: undefined } as InventoryUpdate) as Record<string, unknown>;
    return observedAt ? { ...json, observedAt: { seconds: observedAt.seconds.toString(), nanos: observedAt.nanos } } : json;
  }
}
