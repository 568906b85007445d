import type { EventRoute } from "../../migration/domain/ingestion-path.js";
import type { LocationId } from "./location-id.js";
import type { NonSellable } from "./non-sellable.js";
import type { Sku } from "./sku.js";

/** What produced a WMS count, in our words (the ACL maps each WMS's codes to these). */
export type CountReason = "counted" | "received" | "shipped" | "adjusted" | "snapshot";

/** Where a WMS update came from: enough to find it in the inbox and to dedupe it. */
export interface WmsOrigin {
  /** The WMS source. */
  readonly wmsId: string;
  /** The source's update number; unique per source. */
  readonly sequence: bigint;
  /** The batch that carried it. */
  readonly batchId: string;
  /** The WMS contract it arrived in, for example `wms.v1`. */
  readonly schemaVersion: string;
}

/**
 * Command: the WMS counted `quantity` physical units of `sku` at `locationId`. The count is
 * absolute: it replaces on_hand rather than adding to it.
 */
export interface StockCount {
  readonly sku: Sku;
  readonly locationId: LocationId;
  /** Absolute physical count; a whole number, 0 or more. */
  readonly quantity: number;
  /** When the WMS observed the count. */
  readonly observedAt: Date;
  /** What produced the count. */
  readonly reason: CountReason;
  /** Which update this is. */
  readonly origin: WmsOrigin;
  /** Absolute non-sellable counts, when the WMS reports stock statuses (v2); absent leaves them as they are. */
  readonly nonSellable?: NonSellable;
  /** How the strangler router sent it here; copied onto the count's event. */
  readonly route?: EventRoute;
}
