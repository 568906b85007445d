import { openDatabase, type Database } from "../../src/adapters/persistence/database.js";
import { silentLogger } from "../../src/shared/logger.js";
import { createTestDatabase } from "./test-servers.js";

/**
 * Mocha hooks for a suite that needs the service's schema on the shared PostgreSQL: `before` creates
 * a database of its own and migrates it, `after` closes and drops it. Read `database` inside tests.
 */
export function migratedDatabase(label: string, poolMax = 4): { readonly database: Database } {
  const handle: { database: Database } = { database: undefined as unknown as Database };
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    const testDb = await createTestDatabase(label);
    drop = testDb.drop;
    handle.database = await openDatabase({ url: testDb.url, dataDir: "", poolMax }, silentLogger);
    await handle.database.migrate();
  });
  after(async () => {
    await handle.database?.close();
    await drop?.();
  });
  return handle;
}
