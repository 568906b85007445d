import pg from "pg";
import type { Lease } from "../../shared/lease.port.js";
import type { Logger } from "../../shared/logger.js";

/** A job only one process may do at a time: its advisory lock key and, for logs, what it does. */
export interface LeasedJob {
  /** A bigint, as text; one per job (see {@link LEGACY_FORWARDER_JOB}). */
  readonly lockKey: string;
  /** What the holder does, completing "this process now …" (`forwards the legacy feed`). */
  readonly does: string;
}

/** The legacy feed forwarder: "invlgcy" in ASCII, as a bigint (0x696e766c676379). */
export const LEGACY_FORWARDER_JOB: LeasedJob = { lockKey: "29676327458530169", does: "forwards the legacy feed" };

/** The scheduled WMS pull and gap healing: "invpull" in ASCII, as a bigint (0x696e7670756c6c). */
export const WMS_PULL_JOB: LeasedJob = { lockKey: "29676327526558828", does: "pulls from the WMS and heals sequence gaps" };
/** The low-stock estimator: "invlows" in ASCII, as a bigint (0x696e766c6f7773). */
export const LOW_STOCK_JOB: LeasedJob = { lockKey: "29676327459059571", does: "estimates stock depletion (low-stock alerts)" };

/**
 * {@link Lease} as a PostgreSQL session advisory lock held on a connection of its own (outside
 * the pool). When the holder dies, or its connection does, PostgreSQL frees the lock and another
 * replica takes the job over on its next round.
 */
export class PgAdvisoryLease implements Lease {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly job: LeasedJob,
    private readonly logger: Logger,
  ) {}

  async acquire(): Promise<boolean> {
    if (this.held) return true;
    const client = this.client ?? (await this.open());
    const { rows } = await client.query<{ held: boolean }>(`SELECT pg_try_advisory_lock($1::bigint) AS held`, [this.job.lockKey]);
    this.held = rows[0]?.held === true;
    if (this.held) this.logger.info({}, `this process now ${this.job.does}`);
    return this.held;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: `inventory-sync lease: ${this.job.does}` });
    const lost = (): void => {
      if (this.client !== client) return;
      if (this.held) this.logger.warn({}, `lost the lease with its database connection: this process no longer ${this.job.does}`);
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
