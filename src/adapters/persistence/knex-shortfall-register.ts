import type { ShortfallRegister } from "../../inventory/application/count-settlement.port.js";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import type { Shortfall } from "../../inventory/domain/shortfall.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { bindings } from "./row-values.js";

/**
 * {@link ShortfallRegister} over `discrepancies`: a shortfall is a discrepancy of kind `shortfall`
 * with ours = reserved (what we promised), theirs = on_hand (what the WMS count leaves), difference
 * = theirs − ours (negative). One open row per record: a repeated observation refreshes its values
 * and `last_seen_at`; a count that shows enough stock again resolves it.
 */
export class KnexShortfallRegister implements ShortfallRegister {
  async record(tx: Transaction, shortfalls: readonly Shortfall[], cleared: readonly StockRecordKey[], at: Date): Promise<void> {
    const trx = knexTransaction(tx);
    if (shortfalls.length > 0) {
      await trx.raw(
        `INSERT INTO discrepancies (sku, location_id, kind, status, ours, theirs, difference, first_seen_at, last_seen_at)
         SELECT s.sku, s.location_id, 'shortfall', 'open', s.reserved, s.on_hand, s.on_hand - s.reserved, ?::timestamptz, ?::timestamptz
         FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[]) AS s(sku, location_id, on_hand, reserved)
         ORDER BY 1, 2
         ON CONFLICT (sku, location_id, kind) WHERE status = 'open'
         DO UPDATE SET ours = EXCLUDED.ours, theirs = EXCLUDED.theirs, difference = EXCLUDED.difference, last_seen_at = EXCLUDED.last_seen_at`,
        bindings(
          at.toISOString(),
          at.toISOString(),
          shortfalls.map((s) => s.sku),
          shortfalls.map((s) => s.locationId),
          shortfalls.map((s) => s.onHand),
          shortfalls.map((s) => s.reserved),
        ),
      );
    }
    if (cleared.length > 0) {
      await trx.raw(
        `UPDATE discrepancies AS d
         SET status = 'resolved', resolved_at = ?::timestamptz, last_seen_at = ?::timestamptz, resolution = 'cleared by a WMS count'
         FROM unnest(?::text[], ?::text[]) AS c(sku, location_id)
         WHERE d.sku = c.sku AND d.location_id = c.location_id AND d.kind = 'shortfall' AND d.status = 'open'`,
        bindings(
          at.toISOString(),
          at.toISOString(),
          cleared.map((k) => k.sku),
          cleared.map((k) => k.locationId),
        ),
      );
    }
  }
}
