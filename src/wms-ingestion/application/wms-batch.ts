import type { StockCount } from "../../inventory/domain/stock-count.js";
import type { StockMovement } from "../../inventory/domain/stock-movement.js";
import type { ReceivedPayload } from "../../migration/application/legacy-inventory.port.js";

export type { PayloadForm, ReceivedPayload } from "../../migration/application/legacy-inventory.port.js";

/** Why one update was refused: the offending field, a stable code and words for the WMS team. */
export interface UpdateRejection {
  /** Field name as spelled in the WMS contract, for example `quantity`. */
  readonly field: string;
  /** Stable machine-readable reason, for example `QUANTITY_NOT_INTEGER`. */
  readonly code: string;
  /** What is wrong, in words. */
  readonly reason: string;
}

/** What could be read from a rejected update, kept in the inbox to find and replay it. */
export interface PartialIdentity {
  readonly wmsId?: string;
  readonly sequence?: bigint;
  readonly sku?: string;
  readonly locationId?: string;
  readonly quantity?: number;
  readonly observedAt?: Date;
}

/** One update of a batch after the ACL: a valid count or movement, or a rejection. All keep the raw update. */
export type MappedUpdate =
  | { readonly kind: "count"; readonly index: number; readonly raw: unknown; readonly count: StockCount }
  | { readonly kind: "movement"; readonly index: number; readonly raw: unknown; readonly movement: StockMovement }
  | {
      readonly kind: "rejected";
      readonly index: number;
      readonly raw: unknown;
      readonly rejection: UpdateRejection;
      readonly identity: PartialIdentity;
    };

/** How the updates of a batch were received, worked out only for the updates that are handed on to legacy. */
export interface ReceivedUpdates {
  /** The update at `index` of the batch as received; undefined when not known (legacy is then handed the inbox's copy). */
  payload(index: number): ReceivedPayload | undefined;
}

/** A WMS batch in our vocabulary, whatever schema version it arrived in. */
export interface WmsBatch {
  readonly batchId: string;
  /** The WMS contract of the batch, for example `wms.v1`. */
  readonly schemaVersion: string;
  /** One entry per update of the request, in request order. */
  readonly updates: readonly MappedUpdate[];
  /** The updates as received; without it legacy is handed the inbox's copy (`inbox-json`). */
  readonly received?: ReceivedUpdates;
}

/** A rejected update as reported back to the WMS. */
export interface ReportedRejection extends UpdateRejection {
  /** Zero-based position of the update in the request. */
  readonly index: number;
}

/** What became of a batch. */
export interface BatchResult {
  readonly batchId: string;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  readonly rejected: number;
  readonly rejections: readonly ReportedRejection[];
}
