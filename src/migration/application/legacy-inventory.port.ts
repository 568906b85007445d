import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";

/**
 * The form an update is handed on to legacy in (docs/migration.md, legacy hand-off):
 * - `json`: the update's JSON value exactly as the WMS wrote it (Connect JSON, the REST alias, a
 *   JSONL line, an element of a pull answer);
 * - `proto-json`: the canonical protobuf JSON of the decoded message, for requests that carried no
 *   JSON (binary protobuf: Connect, gRPC, gRPC-Web);
 * - `csv`: a one-row CSV document, the file's header line and the update's line as written, joined by `\n`;
 * - `inbox-json`: the update as the inbox kept it, for updates read back from the inbox (replay).
 */
export type PayloadForm = "json" | "proto-json" | "csv" | "inbox-json";

/** One update as it was received, in the form legacy is handed it. */
export interface ReceivedPayload {
  readonly form: PayloadForm;
  /** The text: JSON for every form but `csv`, whose text is CSV. */
  readonly text: string;
}

/** One inbox row to hand on to legacy, the path that hands it on, and the update as received. */
export interface LegacyHandoff {
  readonly inboxId: string;
  readonly path: "legacy" | "shadow";
  /** The update as received; when absent, the inbox's copy is handed on (`inbox-json`). */
  readonly received?: ReceivedPayload;
}

/** A finished run of the legacy sync. */
export interface LegacyRun {
  readonly runId: string;
  readonly finishedAt: Date;
  /** The last hand-off (feed id) the run took in; later ones are still in flight. */
  readonly fedThrough: bigint;
}

/**
 * Port: the legacy integration that keeps running during the migration. Updates of legacy and
 * shadow records are handed on to it unchanged; its counts and runs can be read for comparison.
 */
export interface LegacyInventory {
  /**
   * Hands the raw updates behind `handoffs` on to legacy, in the transaction that routed them, with
   * feed ids in commit order: a second transaction handing on waits until the first has committed,
   * so legacy never sees a feed id before a lower one. Call it last in the transaction, after every
   * row lock it needs (the wait lasts until commit).
   */
  handOn(tx: Transaction, handoffs: readonly LegacyHandoff[], at: Date): Promise<void>;
  /** Legacy's on-hand of each record it knows, by `stockKey`. */
  counts(keys: readonly StockRecordKey[]): Promise<Map<string, number>>;
  /** Of `keys`, those (by `stockKey`) handed on after feed id `fedThrough`: legacy has not seen them yet. */
  inFlight(keys: readonly StockRecordKey[], fedThrough: bigint): Promise<Set<string>>;
  /** The newest finished legacy run, if any. */
  latestRun(): Promise<LegacyRun | undefined>;
}
