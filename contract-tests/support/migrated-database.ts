import type { Knex } from "knex";
import { openDatabase, type Database } from "../../src/adapters/persistence/database.js";
import { migrationSource } from "../../src/adapters/persistence/migrations/migration-source.js";
import { silentLogger } from "../../src/shared/logger.js";
import { createTestDatabase } from "./test-servers.js";

/**
 * Mocha hooks for a suite that needs the service's schema on the shared PostgreSQL: `before` creates
 * a database of its own and migrates it (all the way, or with `migrated: false` not at all, for a
 * suite that tests a migration: see {@link migrateBefore}), `after` closes and drops it. Read
 * `database` inside tests.
 */
export function migratedDatabase(label: string, poolMax = 4, migrated = true): { readonly database: Database } {
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    const testDb = await createTestDatabase(label);
    drop = testDb.drop;
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax }, silentLogger);
    if (migrated) await database.migrate();
  });
  after(async () => {
    await database?.close();
    await drop?.();
  });
  return {
    get database(): Database {
      if (!database) throw new Error(`migratedDatabase("${label}") is read before its before() hook ran`);
      return database;
    },
  };
}

/** Applies every migration whose name sorts before `name` (`"0021"`: up to and including 0020). */
export async function migrateBefore(knex: Knex, name: string): Promise<void> {
  const before = { ...migrationSource, getMigrations: async (loaded: string[]) => (await migrationSource.getMigrations(loaded)).filter((m) => m.name < name) };
  await knex.migrate.latest({ migrationSource: before, tableName: "knex_migrations" });
}

/** Undoes the migration named `name` alone (later ones may have touched other tables). */
export async function migrateDown(knex: Knex, name: string): Promise<void> {
  await knex.migrate.down({ migrationSource, tableName: "knex_migrations", name });
}
