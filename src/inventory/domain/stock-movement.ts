import type { LocationId } from "./location-id.js";
import type { StockStatus } from "./non-sellable.js";
import type { Sku } from "./sku.js";
import type { WmsOrigin } from "./stock-count.js";
import type { EventRoute } from "../../migration/domain/ingestion-path.js";

/** What moved the stock, in our words (the ACL maps each WMS's codes to these). */
export type MovementKind = "receipt" | "pick" | "ship" | "adjustment" | "transfer";

/** One signed change of one stock status at one location. */
export interface MovementLeg {
  readonly locationId: LocationId;
  readonly status: StockStatus;
  /** Signed change in units; never 0. */
  readonly delta: number;
}

/**
 * Command: the WMS moved stock of `sku`. A receipt, pick, ship or adjustment has one leg; a transfer
 * has two (units leave one location or status and arrive in another), applied together or not at all.
 */
export interface StockMovement {
  readonly sku: Sku;
  readonly kind: MovementKind;
  readonly legs: readonly MovementLeg[];
  /** When the WMS recorded the movement. */
  readonly observedAt: Date;
  /** The WMS document behind it (order, receipt, adjustment number); may be empty. */
  readonly reference: string;
  /** Which update this is. */
  readonly origin: WmsOrigin;
  /** How the strangler router sent it here; copied onto the movement's events. */
  readonly route?: EventRoute;
}
