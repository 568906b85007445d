import type { Knex } from "knex";

/**
 * The inbox says whether each row is an absolute count or a movement (whose `quantity` is a signed
 * delta): a cutover seeds a record from its latest *count*, never from a movement's delta.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `ALTER TABLE wms_updates ADD COLUMN update_kind text NOT NULL DEFAULT 'count' CHECK (update_kind IN ('count', 'movement'))`,
  );
  await knex.raw(`UPDATE wms_updates SET update_kind = 'movement' WHERE schema_version = 'wms.v2' AND payload->'movement' IS NOT NULL`);
}

/** Drops the column. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE wms_updates DROP COLUMN update_kind`);
}
