import type { Knex } from "knex";

/**
 * The inbox keeps each update's payload as `json` (its text, checked to be JSON) instead of
 * `jsonb`: only replay and the legacy hand-off read it back, whole, and building the binary form
 * on insert was a measurable share of PostgreSQL's CPU an update (docs/performance.md). The `->` and
 * `->>` operators still work on it. Rewrites the table once, under an `ACCESS EXCLUSIVE` lock for
 * the time it takes (measured in docs/operations.md, Deployment), so migrate in a quiet hour.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE wms_updates ALTER COLUMN payload TYPE json USING payload::json`);
}

/** Back to `jsonb` (PostgreSQL re-spells each document: keys sorted, spacing dropped). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE wms_updates ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
}
