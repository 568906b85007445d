import type { Knex } from "knex";

/**
 * Multi-warehouse routing rules (docs/reservations.md, routing rules): `routing_rules` holds the
 * operators' rules (per channel and/or region, ordered eligible warehouses with their safety stock
 * as JSON, a split limit; one rule per channel, region and priority, so two rules never tie), and
 * each reservation records the channel and region it was asked for, the rule (and its version) that
 * chose its location, and, when one request was split across locations, the id of its first part
 * (`split_group_id`, the same on every part).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE routing_rules (
      rule_id       text        COLLATE "C" PRIMARY KEY,
      channel       text        COLLATE "C" NOT NULL DEFAULT '',
      region        text        COLLATE "C" NOT NULL DEFAULT '',
      priority      integer     NOT NULL CHECK (priority >= 0),
      warehouses    jsonb       NOT NULL CHECK (jsonb_typeof(warehouses) = 'array' AND jsonb_array_length(warehouses) > 0),
      max_locations integer     NOT NULL CHECK (max_locations >= 1),
      description   text        NOT NULL DEFAULT '',
      version       integer     NOT NULL CHECK (version >= 1),
      updated_at    timestamptz NOT NULL,
      updated_by    text        NOT NULL,
      CONSTRAINT routing_rules_one_per_priority UNIQUE (channel, region, priority)
    )`);
  await knex.raw(`
    ALTER TABLE reservations
      ADD COLUMN channel             text    COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN region              text    COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN routing_rule_id     text    COLLATE "C",
      ADD COLUMN routing_rule_version integer,
      ADD COLUMN split_group_id      uuid`);
  await knex.raw(`CREATE INDEX reservations_by_split_group ON reservations (split_group_id, id) WHERE split_group_id IS NOT NULL`);
}

/** Drops the rules and the routing columns (reservations keep their locations). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX reservations_by_split_group`);
  await knex.raw(`
    ALTER TABLE reservations
      DROP COLUMN channel, DROP COLUMN region, DROP COLUMN routing_rule_id, DROP COLUMN routing_rule_version, DROP COLUMN split_group_id`);
  await knex.raw(`DROP TABLE routing_rules`);
}
