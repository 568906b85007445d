import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/adapters/persistence/database.js";
import { silentLogger } from "../../src/shared/logger.js";

/**
 * Mocha hooks for a suite on the embedded engine: `before` opens PGlite in a new temporary folder
 * (and migrates it, unless `migrate` is false), `after` closes it and removes the folder. Read
 * `database` (and `dataDir`, the folder) inside tests.
 */
export function embeddedDatabase(label: string, migrate = true): { readonly database: Database; readonly dataDir: string } {
  let dataDir: string | undefined;
  let database: Database | undefined;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `invsync-pglite-${label}-`));
    database = await openDatabase({ url: undefined, dataDir, poolMax: 1 }, silentLogger);
    if (migrate) await database.migrate();
  });
  after(async () => {
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get database(): Database {
      if (!database) throw new Error(`embeddedDatabase("${label}") is read before its before() hook ran`);
      return database;
    },
    get dataDir(): string {
      if (!dataDir) throw new Error(`embeddedDatabase("${label}") is read before its before() hook ran`);
      return dataDir;
    },
  };
}
