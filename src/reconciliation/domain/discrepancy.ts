import type { LocationId } from "../../inventory/domain/location-id.js";
import type { Sku } from "../../inventory/domain/sku.js";

/** What differs: on_hand below reserved (`shortfall`), or on_hand against a WMS snapshot (`count_mismatch`). */
export type DiscrepancyKind = "shortfall" | "count_mismatch";

/** Whether a discrepancy still needs attention, and how it ended. */
export type DiscrepancyStatus = "open" | "auto_resolved" | "resolved" | "dismissed";

/** How a discrepancy was closed (the `resolution` column), in words operators read. */
export const RESOLUTIONS = {
  /** Within tolerance: the reconciliation run applied the WMS count. */
  wmsCountApplied: "wms_count_applied",
  /** An operator accepted the WMS count (stock changed). */
  wmsCountAccepted: "wms_count_accepted",
  /** An operator kept our value (stock unchanged; the WMS must be fixed). */
  keptOurs: "kept_ours",
  /** An operator dismissed it as not a real difference. */
  dismissed: "dismissed",
  /** An operator's override set the record's on_hand. */
  override: "override",
  /** A later snapshot found the record matching. */
  matchedBySnapshot: "matched_by_snapshot",
} as const;

/** A difference between what we hold and what the WMS reports for one stock record. */
export interface Discrepancy {
  readonly id: number;
  readonly sku: Sku;
  readonly locationId: LocationId;
  readonly kind: DiscrepancyKind;
  readonly status: DiscrepancyStatus;
  /** Our value when last seen: on_hand (count mismatch) or reserved (shortfall). */
  readonly ours: number;
  /** The WMS's value when last seen: the net snapshot count (count mismatch) or on_hand (shortfall). */
  readonly theirs: number;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly resolvedAt: Date | undefined;
  readonly resolution: string;
  readonly resolvedBy: string;
  readonly note: string;
  /** The run that last found it; 0 for shortfalls. */
  readonly runId: number;
  /** The stock record's version when `ours` was read. */
  readonly stockVersion: number;
  /** The record now, when it exists. */
  readonly current: { readonly onHand: number; readonly version: number } | undefined;
}
