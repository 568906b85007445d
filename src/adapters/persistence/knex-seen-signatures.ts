import type { Knex } from "knex";

/**
 * The WMS request signatures seen within the tolerance window, in the `wms_signatures_seen` table,
 * so a signature replayed to any replica is refused. Rows older than the window can never match a
 * valid timestamp again and are pruned as new ones arrive.
 */
export class KnexSeenSignatures {
  private lastPrune = 0;

  constructor(
    private readonly knex: Knex,
    private readonly windowMs: number,
  ) {}

  /** Remembers `signature`; false when it was already seen (a replay). */
  async remember(signature: string): Promise<boolean> {
    await this.prune();
    const { rows } = await this.knex.raw<{ rows: unknown[] }>(
      `INSERT INTO wms_signatures_seen (signature) VALUES (?) ON CONFLICT DO NOTHING RETURNING 1`,
      [signature],
    );
    return rows.length === 1;
  }

  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    // Twice the window: a timestamp up to one window in the future is valid for two windows.
    await this.knex.raw(`DELETE FROM wms_signatures_seen WHERE seen_at < now() - make_interval(secs => ?)`, [(2 * this.windowMs) / 1000]);
  }
}
