import type { Knex } from "knex";

/**
 * Each record's route keeps the path it had before its last change (`previous_path`, null until
 * one), so recording a batch's decisions is one upsert that locks, writes and answers in one
 * statement (the SET reads the row it replaces) instead of a locking read followed by the upsert.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE sku_routes ADD COLUMN previous_path text CHECK (previous_path IN ('legacy', 'shadow', 'new'))`);
}

/** Drops the column. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE sku_routes DROP COLUMN previous_path`);
}
