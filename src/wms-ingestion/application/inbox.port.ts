import type { InboxRouting } from "../../migration/application/sku-router.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { UpdateRejection, WmsBatch } from "./wms-batch.js";

/** What storing a batch in the inbox found. */
export interface InboxRecording {
  /** Inbox row id of each new (not duplicate) valid update, by its index in the batch. */
  readonly stored: ReadonlyMap<number, string>;
}

/** Port: the inbox (`wms_updates`), where every raw WMS update is kept, whatever becomes of it. */
export interface Inbox {
  /**
   * Stores every update of `batch`: rejected ones as `rejected` with their reason, valid ones with
   * their routing (path, flag state and the status it implies, by batch index) unless an update with
   * the same (wms_id, sequence) was already accepted, in which case nothing is stored and the update
   * is a duplicate (absent from `stored`).
   */
  record(tx: Transaction, batch: WmsBatch, receivedAt: Date, routing: ReadonlyMap<number, InboxRouting>): Promise<InboxRecording>;
  /** Marks stored rows that turned out older than the stock they would have changed. */
  markStale(tx: Transaction, ids: readonly string[]): Promise<void>;
  /** Marks stored rows the domain refused (a movement below zero) as rejected, with the reason. */
  markRefused(tx: Transaction, refusals: ReadonlyArray<{ readonly id: string; readonly rejection: UpdateRejection }>): Promise<void>;
}
