import type { Knex } from "knex";
import * as initialSchema from "./0001-initial-schema.js";
import * as outboxPayload from "./0005-outbox-payload.js";

/** A migration: a name that sorts in apply order, and the step up. */
interface NamedMigration {
  readonly name: string;
  readonly migration: Knex.Migration;
}

/** Every migration, in order. Listed explicitly so a bundled or compiled build finds them all. */
const migrations: readonly NamedMigration[] = [
  { name: "0001-initial-schema", migration: initialSchema },
  { name: "0005-outbox-payload", migration: outboxPayload },
];

/** knex migration source over {@link migrations}. */
export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (entry) => entry.name,
  getMigration: async (entry) => entry.migration,
};
