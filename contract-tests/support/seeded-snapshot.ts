import type { Database } from "../../src/adapters/persistence/database.js";
import type { SnapshotLine } from "../../src/reconciliation/domain/snapshot-count.js";
import { seededRandom } from "../../bench/stats.js";

/** A seeded reconciliation case: stock records, a snapshot of them, and which SKUs it disagrees on. */
export interface SeededSnapshot {
  readonly lines: readonly SnapshotLine[];
  /** SKUs off by 1 or 2 units (within a tolerance of 2). */
  readonly within: readonly string[];
  /** SKUs off by 10 to 49 units. */
  readonly above: readonly string[];
}

/**
 * Seeds `skus` stock records (one SKU each, counted an hour ago, set-based) and builds a snapshot of
 * them that disagrees on `share` of the SKUs, half within a tolerance of 2 units and half above it.
 * Deterministic for a given seed. Used by the reconciliation test and `npm run bench:reconcile`.
 */
export async function seedSnapshot(database: Database, skus: number, share: number, seed = 20261124): Promise<SeededSnapshot> {
  await database.knex.raw(
    `INSERT INTO inventory (sku, location_id, on_hand, version, last_wms_id, last_sequence, last_observed_at)
     SELECT 'REC-' || lpad(i::text, 7, '0'), 'default', 1 + (i % 500), 1, 'wms-seed', i + 1, now() - interval '1 hour'
     FROM generate_series(0, ?::int - 1) AS i`,
    [skus],
  );
  const random = seededRandom(seed);
  const sku = (i: number) => `REC-${String(i).padStart(7, "0")}`;
  const chosen = new Map<number, "within" | "above">();
  while (chosen.size < Math.round(skus * share)) chosen.set(Math.floor(random() * skus), random() < 0.5 ? "within" : "above");
  const lines: SnapshotLine[] = [];
  for (let i = 0; i < skus; i++) {
    const ours = 1 + (i % 500);
    const kind = chosen.get(i);
    const theirs = kind === "within" ? ours + (random() < 0.5 ? -1 : 2) : kind === "above" ? ours + 10 + Math.floor(random() * 40) : ours;
    lines.push({ sku: sku(i), locationId: "", quantity: BigInt(theirs), observedAt: undefined });
  }
  const of = (kind: "within" | "above") => [...chosen].filter(([, k]) => k === kind).map(([i]) => sku(i));
  return { lines, within: of("within"), above: of("above") };
}

/** The SKUs a run recorded as auto-resolved and as open, from the database. */
export async function runOutcome(database: Database, runId: number): Promise<{ autoResolved: Set<string>; open: Set<string> }> {
  const { rows } = await database.knex.raw(`SELECT sku, status FROM discrepancies WHERE run_id = ? AND kind = 'count_mismatch'`, [runId]);
  const typed = rows as Array<{ sku: string; status: string }>;
  return {
    autoResolved: new Set(typed.filter((r) => r.status === "auto_resolved").map((r) => r.sku)),
    open: new Set(typed.filter((r) => r.status === "open").map((r) => r.sku)),
  };
}
