import type { Knex } from "knex";
import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { LegacyHandoff, LegacyInventory, LegacyRun, ReceivedPayload } from "../../migration/application/legacy-inventory.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "../persistence/knex-unit-of-work.js";
import { bindings, toDate } from "../persistence/row-values.js";

/**
 * The transaction advisory lock that puts feed ids in commit order: "invfeed" in ASCII, as a bigint
 * (0x696e7666656564). Held from the hand-off to the end of the routing transaction.
 */
const FEED_ORDER_LOCK = "29676327357736292";

/**
 * The JSON text a received update is kept as in `payload` (a `json` column, which keeps its text
 * exactly): the text itself for the JSON forms, a JSON string holding the CSV text for `csv`.
 */
export function feedPayload(received: ReceivedPayload): string {
  return received.form === "csv" ? JSON.stringify(received.text) : received.text;
}

/**
 * {@link LegacyInventory} over tables the legacy integration shares with us: updates are handed on
 * into `legacy_inventory_feed` (each update as received, with its `payload_form`, in the routing
 * transaction, feed ids in commit order); legacy reports its results in `legacy_inventory_counts` and each finished run in
 * `legacy_sync_runs` (with the last feed id it took in). Legacy reads the feed table itself (the
 * nightly job), or, with `LEGACY_FORWARD_URL` set, `LegacyForwarder` POSTs the rows not yet
 * delivered to legacy's endpoint (`KnexLegacyFeedQueue`, `HttpLegacyEndpoint`); the counts and
 * runs come back in the same tables either way.
 */
export class KnexLegacyFeed implements LegacyInventory {
  constructor(private readonly knex: Knex) {}

  async handOn(tx: Transaction, handoffs: readonly LegacyHandoff[], at: Date): Promise<void> {
    if (handoffs.length === 0) return;
    const trx = knexTransaction(tx);
    // Feed ids are taken after the previous hand-off committed, so a reader of the feed never sees
    // an id before a lower one that is still to commit (which a `fed_through` past it would skip).
    await trx.raw(`SELECT pg_advisory_xact_lock(?::bigint)`, [FEED_ORDER_LOCK]);
    await trx.raw(
      `INSERT INTO legacy_inventory_feed (inbox_id, wms_id, sequence, sku, location_id, quantity, observed_at, path, payload_form, payload, fed_at)
       SELECT w.id, w.wms_id, w.sequence, w.sku, w.location_id, w.quantity, w.observed_at, h.path,
              COALESCE(h.form, 'inbox-json'), COALESCE(h.payload::json, w.payload::json), ?::timestamptz
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS h(id, path, form, payload, ord)
       JOIN wms_updates AS w ON w.id = h.id
       ORDER BY h.ord`,
      bindings(
        at.toISOString(),
        handoffs.map((h) => h.inboxId),
        handoffs.map((h) => h.path),
        handoffs.map((h) => h.received?.form ?? null),
        handoffs.map((h) => (h.received ? feedPayload(h.received) : null)),
      ),
    );
  }

  async counts(keys: readonly StockRecordKey[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.knex.raw<{ rows: Array<{ sku: string; location_id: string; on_hand: string | number }> }>(
      `SELECT sku, location_id, on_hand FROM legacy_inventory_counts
       WHERE (sku, location_id) IN (SELECT * FROM unnest(?::text[], ?::text[]))`,
      [keys.map((k) => k.sku), keys.map((k) => k.locationId)],
    );
    return new Map(rows.map((row) => [stockKey(row.sku, row.location_id), Number(row.on_hand)]));
  }

  async inFlight(keys: readonly StockRecordKey[], fedThrough: bigint): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await this.knex.raw<{ rows: Array<{ sku: string; location_id: string }> }>(
      `SELECT DISTINCT f.sku, f.location_id
       FROM unnest(?::text[], ?::text[]) AS k(sku, location_id)
       JOIN legacy_inventory_feed AS f ON f.sku = k.sku AND f.location_id = k.location_id AND f.id > ?::bigint`,
      bindings(keys.map((k) => k.sku), keys.map((k) => k.locationId), fedThrough.toString()),
    );
    return new Set(rows.map((row) => stockKey(row.sku, row.location_id)));
  }

  async latestRun(): Promise<LegacyRun | undefined> {
    const { rows } = await this.knex.raw<{ rows: Array<{ run_id: string; finished_at: Date | string; fed_through: string }> }>(
      `SELECT run_id, finished_at, fed_through::text AS fed_through FROM legacy_sync_runs ORDER BY finished_at DESC, run_id DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { runId: row.run_id, finishedAt: toDate(row.finished_at), fedThrough: BigInt(row.fed_through) } : undefined;
  }
}
