import type { Knex } from "knex";

/**
 * Plays the legacy nightly job against the tables it shares with us: takes in every feed row after
 * the previous run (newest count per record wins), writes its counts, and records the run.
 * `disagreeOn` SKUs get a count one higher than the WMS sent (an injected legacy/new disagreement).
 */
export async function runLegacyJob(knex: Knex, runId: string, disagreeOn: readonly string[] = []): Promise<bigint> {
  const { rows } = await knex.raw<{ rows: Array<{ fed_through: string | null }> }>(
    `SELECT COALESCE((SELECT max(fed_through) FROM legacy_sync_runs), 0)::text AS fed_through`,
  );
  const previous = rows[0]?.fed_through ?? "0";
  await knex.raw(
    `INSERT INTO legacy_inventory_counts (sku, location_id, on_hand, updated_at)
     SELECT DISTINCT ON (sku, location_id) sku, location_id, quantity + CASE WHEN sku = ANY(?::text[]) THEN 1 ELSE 0 END, now()
     FROM legacy_inventory_feed WHERE id > ?::bigint
     ORDER BY sku, location_id, observed_at DESC, sequence DESC
     ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at`,
    [[...disagreeOn], previous],
  );
  const { rows: run } = await knex.raw<{ rows: Array<{ fed_through: string }> }>(
    `INSERT INTO legacy_sync_runs (run_id, finished_at, fed_through)
     VALUES (?, now(), COALESCE((SELECT max(id) FROM legacy_inventory_feed), 0)) RETURNING fed_through::text AS fed_through`,
    [runId],
  );
  return BigInt(run[0]!.fed_through);
}
