import knex, { type Knex } from "knex";
import type { Logger } from "../../shared/logger.js";
import { DataDirLock } from "./data-dir-lock.js";
import { migrationSource } from "./migrations/migration-source.js";

/** An open database: PostgreSQL over `pg`, or embedded PGlite in a data folder. */
export interface Database {
  readonly knex: Knex;
  /** Which engine is behind `knex`. */
  readonly engine: "postgres" | "pglite";
  /** Brings the schema up to date (knex migrations, run at start-up). */
  migrate(): Promise<void>;
  /** True when a trivial query succeeds within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean>;
  /** Closes every connection (and the embedded engine, with its lock). */
  close(): Promise<void>;
}

/** Where the database is: a PostgreSQL URL, or else a folder for the embedded engine. */
export interface DatabaseSettings {
  readonly url: string | undefined;
  readonly dataDir: string;
  readonly poolMax: number;
}

/** Opens the database described by `settings`. */
export async function openDatabase(settings: DatabaseSettings, logger: Logger): Promise<Database> {
  if (settings.url) return wrap(openPostgres(settings.url, settings.poolMax), "postgres", () => undefined);
  const lock = DataDirLock.acquire(settings.dataDir);
  try {
    const db = await openPglite(settings.dataDir);
    logger.info({ dataDir: settings.dataDir }, "using the embedded PGlite database (set DATABASE_URL for PostgreSQL)");
    return wrap(db, "pglite", () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}

function openPostgres(url: string, poolMax: number): Knex {
  return knex({
    client: "pg",
    connection: { connectionString: url, application_name: "inventory-sync" },
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: 10_000 },
    acquireConnectionTimeout: 10_000,
  });
}

async function openPglite(dataDir: string): Promise<Knex> {
  const [{ PGlite }, { default: ClientPgLite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("knex-pglite"),
  ]);
  const pglite = await PGlite.create(dataDir);
  return knex({ client: ClientPgLite, dialect: "postgres", connection: () => ({ pglite }) as object });
}

function wrap(db: Knex, engine: Database["engine"], afterClose: () => void): Database {
  return {
    knex: db,
    engine,
    async migrate() {
      await db.migrate.latest({ migrationSource, tableName: "knex_migrations" });
    },
    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const query = db.raw("select 1").then(() => true, () => false);
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await db.destroy();
      afterClose();
    },
  };
}
