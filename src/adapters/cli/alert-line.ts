import { fromBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ClearReason, StockRunningLowClearedSchema, StockRunningLowSchema } from "../../../gen/invsync/events/v1/stock_alert_pb.js";

/** A low-stock alert decoded for `invsync events`: its line and its JSON. */
export interface DecodedAlert {
  readonly line: string;
  readonly json: JsonValue;
}

/**
 * Decodes a low-stock alert by its `Invsync-Message` (undefined for any other message), as a line
 * such as `2026-12-07T09:00:00.000Z StockRunningLow SKU-1@default at v12: available 6, 3.20/h, out at 2026-12-07T10:52:30.000Z (horizon 240 min)`.
 * Throws when the payload does not decode as the message named.
 */
export function decodeAlert(messageName: string | undefined, payload: Uint8Array): DecodedAlert | undefined {
  if (messageName === StockRunningLowSchema.typeName) {
    const alert = fromBinary(StockRunningLowSchema, payload);
    return { line: `${at(alert.timestamp)} StockRunningLow ${describe(alert)}`, json: toJson(StockRunningLowSchema, alert) };
  }
  if (messageName === StockRunningLowClearedSchema.typeName) {
    const alert = fromBinary(StockRunningLowClearedSchema, payload);
    const reason = (ClearReason[alert.reason] ?? String(alert.reason)).toLowerCase();
    return { line: `${at(alert.timestamp)} StockRunningLowCleared ${describe(alert)}, ${reason}, clears ${alert.raisedEventId}`, json: toJson(StockRunningLowClearedSchema, alert) };
  }
  return undefined;
}

function describe(alert: { sku: string; locationId: string; stockVersion: bigint; available: bigint; ratePerHour: number; expectedStockoutAt?: Timestamp | undefined; horizon?: Duration | undefined }): string {
  const out = alert.expectedStockoutAt ? `out at ${at(alert.expectedStockoutAt)}` : "never out at this rate";
  return `${alert.sku}@${alert.locationId} at v${alert.stockVersion}: available ${alert.available}, ${alert.ratePerHour.toFixed(2)}/h, ${out} (horizon ${Number(alert.horizon?.seconds ?? 0n) / 60} min)`;
}

function at(timestamp: Timestamp | undefined): string {
  return timestamp ? timestampDate(timestamp).toISOString() : "-";
}
