import pg from "pg";

/** One statement's share of PostgreSQL's time during a phase (pg_stat_statements). */
export interface StatementCost {
  /** The statement's text, whitespace collapsed, cut to 100 characters. */
  readonly statement: string;
  readonly calls: number;
  readonly rows: number;
  readonly totalMs: number;
  /** Statement time (including lock waits) per row it wrote or returned, in µs. */
  readonly microsPerRow: number;
}

/** What pg_stat_statements saw of the service's statements, or why it could not be read. */
export type StatementReport = { readonly available: true; readonly top: readonly StatementCost[] } | { readonly available: false; readonly reason: string };

/**
 * Reads PostgreSQL's own account of the service's statements (`--pg-statements`): resets
 * pg_stat_statements before a phase and reads the database's most expensive statements after it.
 * Needs `shared_preload_libraries = 'pg_stat_statements'` on the server and a superuser (the local
 * test server's `postgres`); otherwise says why and measures nothing.
 */
export class PgStatements {
  private constructor(
    private readonly client: pg.Client | undefined,
    private readonly unavailable: string | undefined,
  ) {}

  /** Connects to `url` (the service's database) and resets the statistics, if it can. */
  static async start(url: string): Promise<PgStatements> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      await client.query("SELECT pg_stat_statements_reset()");
      return new PgStatements(client, undefined);
    } catch (error) {
      await client.end();
      // PostgreSQL's own words say why (usually: the library is not loaded at server start).
      return new PgStatements(undefined, `pg_stat_statements is not available: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The `limit` statements of this database that took the most time since {@link start}. */
  async report(limit = 12): Promise<StatementReport> {
    if (!this.client) return { available: false, reason: this.unavailable ?? "not started" };
    try {
      const { rows } = await this.client.query<{ statement: string; calls: string; rows: string; total_ms: number }>(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS statement, calls::text, rows::text, total_exec_time AS total_ms
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%pg_stat_statements%'
         ORDER BY total_exec_time DESC LIMIT $1`,
        [limit],
      );
      return {
        available: true,
        top: rows.map((row) => ({
          statement: row.statement,
          calls: Number(row.calls),
          rows: Number(row.rows),
          totalMs: Math.round(row.total_ms),
          microsPerRow: Math.round((row.total_ms * 1000) / Math.max(1, Number(row.rows))),
        })),
      };
    } finally {
      await this.client.end();
    }
  }
}
