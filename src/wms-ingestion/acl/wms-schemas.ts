import { fromJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { InventoryUpdateSchema } from "../../../gen/invsync/wms/v1/inventory_update_pb.js";
import { StockRecordSchema } from "../../../gen/invsync/wms/v2/stock_record_pb.js";
import type { RawUpdate } from "../application/raw-update.js";
import type { MappedUpdate, ReceivedPayload, UpdateRejection, WmsBatch } from "../application/wms-batch.js";
import { mapUpdate, WMS_V1, type WmsV1MapperOptions } from "./wms-v1-mapper.js";
import { mapRecord, WMS_V2 } from "./wms-v2-mapper.js";

interface Schema<T extends DescMessage> {
  readonly message: T;
  readonly map: (update: MessageShape<T>, index: number, batchId: string, now: Date, maxFutureSkewMs: number) => MappedUpdate;
}

const v1: Schema<typeof InventoryUpdateSchema> = {
  message: InventoryUpdateSchema,
  map: (update, index, batchId, now, skew) => mapUpdate(update, index, { batchId, schemaVersion: WMS_V1 }, now, skew),
};
const v2: Schema<typeof StockRecordSchema> = { message: StockRecordSchema, map: mapRecord };
const SCHEMAS: ReadonlyMap<string, Schema<DescMessage>> = new Map<string, Schema<DescMessage>>([
  [WMS_V1, v1 as unknown as Schema<DescMessage>],
  [WMS_V2, v2 as unknown as Schema<DescMessage>],
]);

/** The WMS contracts this service understands, for example `wms.v1`. */
export const SCHEMA_VERSIONS: readonly string[] = [...SCHEMAS.keys()];

/** True when `version` names a contract this service understands. */
export function isSchemaVersion(version: string): boolean {
  return SCHEMAS.has(version);
}

/**
 * Maps raw updates (the canonical JSON of one update of contract `version`, as the inbox stores it
 * and as files and pulls carry it) through the CURRENT mapper of that contract. An update whose
 * JSON does not fit the contract (unknown field, wrong type) is rejected on its own as
 * `UPDATE_MALFORMED`, naming the problem; it never stops the rest.
 */
export function mapRawBatch(version: string, batchId: string, raws: readonly RawUpdate[], options: WmsV1MapperOptions): WmsBatch {
  const schema = SCHEMAS.get(version);
  if (!schema) throw new Error(`unknown WMS schema version "${version}"; known: ${SCHEMA_VERSIONS.join(", ")}`);
  const now = options.clock.now();
  const updates = raws.map((raw, index): MappedUpdate => {
    if ("unreadable" in raw) return malformed(index, { text: raw.text }, raw.unreadable);
    let message;
    try {
      message = fromJson(schema.message, raw.json as never, { ignoreUnknownFields: false });
    } catch (error) {
      const reason = `is not a ${schema.message.typeName}: ${error instanceof Error ? error.message : String(error)}`;
      return malformed(index, raw.json, { field: "update", code: "UPDATE_MALFORMED", reason });
    }
    return schema.map(message, index, batchId, now, options.maxFutureSkewMs);
  });
  // Legacy is handed an update as the file or the pull carried it; one read back from the inbox (a replay) carries none.
  const received = raws.some((raw) => "received" in raw && raw.received !== undefined)
    ? { payload: (index: number) => (raws[index] as { received?: ReceivedPayload }).received }
    : undefined;
  return received ? { batchId, schemaVersion: version, updates, received } : { batchId, schemaVersion: version, updates };
}

function malformed(index: number, raw: unknown, rejection: UpdateRejection): MappedUpdate {
  const fields = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const text = (key: string) => (typeof fields[key] === "string" ? (fields[key] as string) : undefined);
  const sequence = fields.sequence ?? fields.seqNo;
  return {
    kind: "rejected",
    index,
    raw,
    rejection,
    identity: {
      wmsId: text("wmsId") ?? text("sourceSystem"),
      sequence: typeof sequence === "string" && /^\d{1,18}$/.test(sequence) ? BigInt(sequence) : undefined,
      sku: text("sku") ?? text("itemCode"),
    },
  };
}
