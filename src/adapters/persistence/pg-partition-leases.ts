import type { Knex } from "knex";
import type { OutboxLease } from "../../outbox/outbox-lease.port.js";
import type { Logger } from "../../shared/logger.js";

/** How the replicas split the outbox's partitions. */
export interface PartitionLeaseSettings {
  /** This replica's name, unique among the replicas of a database (`REPLICA_ID`). */
  readonly replicaId: string;
  /** Number of partitions (`RELAY_PARTITIONS`). */
  readonly partitions: number;
  /** How often the replica says it is alive and renews its leases (`RELAY_HEARTBEAT_MS`). */
  readonly heartbeatMs: number;
  /** How long a lease (and a heartbeat) lasts without renewal (`RELAY_LEASE_TTL_MS`). */
  readonly ttlMs: number;
}

/** What one heartbeat found. */
export interface HeartbeatResult {
  /** Replicas with a heartbeat within the TTL, this one included, by id. */
  readonly live: readonly string[];
  /** Partitions this replica holds after the heartbeat. */
  readonly held: readonly number[];
  /** Partitions it took from another holder (or free ones) in this heartbeat. */
  readonly taken: readonly number[];
}

/**
 * {@link OutboxLease} as leases in a table (`relay_partitions`, migration 0016). Every heartbeat a
 * replica writes its heartbeat (`relay_replicas`), lists the live replicas (a heartbeat within the
 * TTL) by id, and wants the partitions p with p mod (live replicas) = its rank among them: it gives
 * up the ones it holds and no longer wants, and takes or renews the ones it wants that are free, its
 * own, or whose lease ended. So the partitions spread evenly, and a replica that dies loses its
 * partitions once its leases end: a live one takes them at most TTL + one heartbeat later. All
 * times are the database's, except that this process stops using its leases on its own clock a TTL
 * after the heartbeat that renewed them began (a heartbeat that fails leaves them to lapse).
 */
export class PgPartitionLeases implements OutboxLease {
  private held: readonly number[] = [];
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<unknown> | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly settings: PartitionLeaseSettings,
    private readonly logger: Logger,
  ) {
    if (settings.ttlMs <= settings.heartbeatMs) throw new Error(`the lease TTL (${settings.ttlMs} ms) must be longer than the heartbeat (${settings.heartbeatMs} ms)`);
  }

  /** Starts the heartbeat (the first one at once). */
  start(): void {
    if (this.timer || this.stopped) return;
    const beat = (): void => {
      this.beating = this.heartbeat().catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastError) this.logger.warn({ err: message }, "relay heartbeat failed; this replica's partition leases lapse unless renewed");
        this.lastError = message;
      });
    };
    beat();
    this.timer = setInterval(() => {
      if (this.beating) void this.beating.then(beat);
      else beat();
    }, this.settings.heartbeatMs);
    this.timer.unref();
  }

  /** The partitions held as of the last heartbeat, none once their leases lapsed on this process's clock. */
  async acquire(): Promise<readonly number[]> {
    return performance.now() < this.validUntil ? this.held : [];
  }

  /** Stops the heartbeat, frees this replica's partitions and removes it from the live replicas. */
  async release(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    this.held = [];
    this.validUntil = 0;
    const id = this.settings.replicaId;
    await this.knex.raw(`UPDATE relay_partitions SET holder = NULL, lease_until = now() WHERE holder = ?`, [id]);
    await this.knex.raw(`DELETE FROM relay_replicas WHERE replica_id = ?`, [id]);
    this.logger.info({ replica: id }, "gave up every outbox partition");
  }

  /** One heartbeat (the background loop calls it every `heartbeatMs`; tests call it directly). */
  async heartbeat(): Promise<HeartbeatResult> {
    if (this.stopped) return { live: [], held: [], taken: [] };
    const { replicaId: id, partitions, ttlMs } = this.settings;
    const began = performance.now();
    const result = await this.knex.transaction(async (trx) => {
      await trx.raw(
        `INSERT INTO relay_replicas (replica_id, heartbeat_at) VALUES (?, now())
         ON CONFLICT (replica_id) DO UPDATE SET heartbeat_at = now()`,
        [id],
      );
      // Replicas gone for long are forgotten (a replica id usually names a process: host and pid).
      await trx.raw(`DELETE FROM relay_replicas WHERE heartbeat_at < now() - ?::int * interval '1 millisecond'`, [ttlMs * 100]);
      const { rows } = await trx.raw<{ rows: Array<{ replica_id: string }> }>(
        `SELECT replica_id FROM relay_replicas WHERE heartbeat_at > now() - ?::int * interval '1 millisecond' ORDER BY replica_id`,
        [ttlMs],
      );
      const live = rows.map((row) => row.replica_id);
      const rank = Math.max(0, live.indexOf(id));
      const wanted = Array.from({ length: partitions }, (_, p) => p).filter((p) => p % Math.max(1, live.length) === rank);
      await trx.raw(`UPDATE relay_partitions SET holder = NULL, lease_until = now() WHERE holder = ? AND NOT (relay_partition = ANY(?::int[]))`, [id, wanted]);
      const claimed = await trx.raw<{ rows: Array<{ relay_partition: number; moved: boolean }> }>(
        `INSERT INTO relay_partitions AS r (relay_partition, holder, lease_until, moves, moved_at)
         SELECT p, ?, now() + ?::int * interval '1 millisecond', 1, now() FROM unnest(?::int[]) AS p
         ON CONFLICT (relay_partition) DO UPDATE
           SET holder = excluded.holder, lease_until = excluded.lease_until,
               moves = r.moves + (r.holder IS DISTINCT FROM excluded.holder)::int,
               moved_at = CASE WHEN r.holder IS DISTINCT FROM excluded.holder THEN now() ELSE r.moved_at END
           WHERE r.holder = excluded.holder OR r.holder IS NULL OR r.lease_until < now()
         RETURNING relay_partition, (xmax = 0 OR moved_at = now()) AS moved`,
        [id, ttlMs, wanted],
      );
      const held = claimed.rows.map((row) => row.relay_partition).sort((a, b) => a - b);
      const taken = claimed.rows.filter((row) => row.moved).map((row) => row.relay_partition).sort((a, b) => a - b);
      return { live, held, taken };
    });
    if (this.stopped) return result;
    const before = this.held;
    this.held = result.held;
    this.validUntil = began + ttlMs;
    if (this.lastError !== undefined) this.logger.info({}, "relay heartbeat recovered");
    this.lastError = undefined;
    if (result.taken.length > 0 || before.length !== result.held.length) {
      this.logger.info({ replica: id, live: result.live.length, held: result.held, taken: result.taken }, "outbox partitions moved");
    }
    return result;
  }
}
