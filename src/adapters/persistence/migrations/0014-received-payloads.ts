import type { Knex } from "knex";

/**
 * The legacy feed hands each update on as it was received (docs/migration.md, legacy hand-off):
 * `payload` becomes `json`, which keeps its text exactly (key spelling and order, spacing, number
 * and timestamp spelling), instead of `jsonb`, which re-spells it; `payload_form` says what the
 * text is: `json` (the update's JSON as the WMS wrote it), `proto-json` (the canonical JSON of a
 * binary protobuf update), `csv` (a JSON string holding the file's header line and the update's
 * line) or `inbox-json` (the inbox's copy: every row handed on before this migration, and replays).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE legacy_inventory_feed
      ALTER COLUMN payload TYPE json USING payload::json,
      ADD COLUMN payload_form text NOT NULL DEFAULT 'inbox-json'
        CHECK (payload_form IN ('json', 'proto-json', 'csv', 'inbox-json'))`);
  await knex.raw(`ALTER TABLE legacy_inventory_feed ALTER COLUMN payload_form DROP DEFAULT`);
}

/** Back to `jsonb` (the text as received is lost: jsonb re-spells it) without the form. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE legacy_inventory_feed DROP COLUMN payload_form, ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
}
