import pg from "pg";
import type { RelayLease } from "../../outbox/relay-lease.port.js";
import type { Logger } from "../../shared/logger.js";

/** The advisory lock key of the outbox relay: "invsync" in ASCII, as a bigint (0x696e7673796e63). */
const RELAY_LOCK_KEY = "29676327577153123";

/**
 * {@link RelayLease} as a PostgreSQL session advisory lock held on a connection of its own (outside
 * the pool). When the holder dies, or its connection does, PostgreSQL frees the lock and another
 * replica's relay takes over on its next round.
 */
export class PgAdvisoryRelayLease implements RelayLease {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  async acquire(): Promise<boolean> {
    if (this.held) return true;
    const client = this.client ?? (await this.open());
    const { rows } = await client.query<{ held: boolean }>(`SELECT pg_try_advisory_lock($1::bigint) AS held`, [RELAY_LOCK_KEY]);
    this.held = rows[0]?.held === true;
    if (this.held) this.logger.info({}, "this process now runs the outbox relay");
    return this.held;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: "inventory-sync relay lease" });
    const lost = (): void => {
      if (this.client !== client) return;
      if (this.held) this.logger.warn({}, "lost the outbox relay lease with its database connection");
      this.client = undefined;
      this.held = false;
    };
    client.on("error", lost);
    client.on("end", lost);
    try {
      await client.connect();
    } catch (error) {
      lost();
      throw error;
    }
    this.client = client;
    return client;
  }
}
