import { create, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ClearReason,
  StockRunningLowClearedSchema,
  StockRunningLowSchema,
  type StockRunningLow as StockRunningLowMessage,
  type StockRunningLowCleared as StockRunningLowClearedMessage,
} from "../../../gen/invsync/events/v1/stock_alert_pb.js";
import type { LowStockAlert, StockRunningLow, StockRunningLowCleared } from "../../low-stock/domain/low-stock-alert.js";

/** The payload message of each low-stock alert type, sent as `Invsync-Message`. */
export const ALERT_MESSAGE_NAMES: Readonly<Record<LowStockAlert["type"], string>> = {
  StockRunningLow: StockRunningLowSchema.typeName,
  StockRunningLowCleared: StockRunningLowClearedSchema.typeName,
};

/** An alert as its `invsync.events.v1` message. */
export function toAlertMessage(alert: StockRunningLow): StockRunningLowMessage;
export function toAlertMessage(alert: StockRunningLowCleared): StockRunningLowClearedMessage;
export function toAlertMessage(alert: LowStockAlert): StockRunningLowMessage | StockRunningLowClearedMessage;
export function toAlertMessage(alert: LowStockAlert): StockRunningLowMessage | StockRunningLowClearedMessage {
  const common = {
    eventId: alert.eventId,
    sku: alert.sku,
    locationId: alert.locationId,
    available: BigInt(alert.available),
    ratePerHour: alert.ratePerHour,
    ...(alert.expectedStockoutAt ? { expectedStockoutAt: timestampFromDate(alert.expectedStockoutAt) } : {}),
    horizon: durationFromMs(alert.horizonMs),
    stockVersion: BigInt(alert.stockVersion),
    timestamp: timestampFromDate(alert.at),
  };
  if (alert.type === "StockRunningLow") return create(StockRunningLowSchema, { ...common, halfLife: durationFromMs(alert.halfLifeMs) });
  return create(StockRunningLowClearedSchema, {
    ...common,
    reason: alert.reason === "restocked" ? ClearReason.RESTOCKED : ClearReason.DEMAND_EASED,
    raisedEventId: alert.raisedEventId,
  });
}

/** An alert encoded for the bus (protobuf binary of its message). */
export function encodeAlert(alert: LowStockAlert): Uint8Array {
  if (alert.type === "StockRunningLow") return toBinary(StockRunningLowSchema, toAlertMessage(alert));
  return toBinary(StockRunningLowClearedSchema, toAlertMessage(alert));
}
