import type { PendingShipment } from "../domain/pending-shipment.js";
import type { Shortfall } from "../domain/shortfall.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import type { StockRecordKey } from "./stock-repository.port.js";

/** Port: pending shipments, read and settled by the count path while it holds the records' locks. */
export interface ShipmentLedger {
  /** Pending shipments of `keys`, keyed by `stockKey`. */
  pendingFor(tx: Transaction, keys: readonly StockRecordKey[]): Promise<Map<string, PendingShipment[]>>;
  /** Removes the pending shipments of these reservations: a count now includes them. */
  settle(tx: Transaction, reservationIds: readonly string[]): Promise<void>;
}

/** Port: where shortfalls become discrepancies (the `discrepancies` table). */
export interface ShortfallRegister {
  /**
   * Opens a `shortfall` discrepancy per record in `shortfalls` (or refreshes the open one), and
   * resolves the open shortfall of each record in `cleared`: a count showed it has enough again.
   */
  record(tx: Transaction, shortfalls: readonly Shortfall[], cleared: readonly StockRecordKey[], at: Date): Promise<void>;
}

/** What the count path needs to interleave safely with local shipments and to record shortfalls. */
export interface CountSettlement {
  readonly shipments: ShipmentLedger;
  readonly shortfalls: ShortfallRegister;
  /** A count observed less than this long after a shipment is assumed not to include it. */
  readonly settleMs: number;
}

/** No shipments in flight and nowhere to record shortfalls (a stock store without reservations). */
export const noCountSettlement: CountSettlement = {
  shipments: { pendingFor: async () => new Map(), settle: async () => undefined },
  shortfalls: { record: async () => undefined },
  settleMs: 0,
};
