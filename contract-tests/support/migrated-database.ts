import { openDatabase, type Database } from "../../src/adapters/persistence/database.js";
import { silentLogger } from "../../src/shared/logger.js";
import { createTestDatabase } from "./test-servers.js";

/**
 * Mocha hooks for a suite that needs the service's schema on the shared PostgreSQL: `before` creates
 * a database of its own and migrates it, `after` closes and drops it. Read `database` inside tests.
 */
export function migratedDatabase(label: string, poolMax = 4): { readonly database: Database } {
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    const testDb = await createTestDatabase(label);
    drop = testDb.drop;
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax }, silentLogger);
    await database.migrate();
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
