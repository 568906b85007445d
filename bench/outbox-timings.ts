import pg from "pg";

/** Latencies measured from the outbox rows themselves (milliseconds). */
export interface OutboxTimings {
  readonly events: number;
  readonly commitToAckMs: { p50: number; p99: number; max: number };
  readonly freshnessMs: { p50: number; p99: number; max: number };
  readonly unpublished: number;
}

/**
 * For the events of batches whose id starts with `batchPrefix`: commit → JetStream ack
 * (`published_at − timestamp`) and freshness (`published_at − WMS observed_at`), from PostgreSQL.
 */
export async function outboxTimings(url: string, batchPrefix: string): Promise<OutboxTimings> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `WITH e AS (
         SELECT extract(epoch FROM published_at - "timestamp") * 1000 AS ack,
                extract(epoch FROM published_at - (cause->>'observedAt')::timestamptz) * 1000 AS fresh,
                published_at
         FROM inventory_events WHERE cause->>'batchId' LIKE $1)
       SELECT count(*)::int AS events, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ack) AS ack50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ack) AS ack99, max(ack) AS ackmax,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY fresh) AS f50, percentile_cont(0.99) WITHIN GROUP (ORDER BY fresh) AS f99, max(fresh) AS fmax
       FROM e`,
      [`${batchPrefix}%`],
    );
    const r = rows[0];
    return {
      events: r.events,
      unpublished: r.unpublished,
      commitToAckMs: { p50: Number(r.ack50), p99: Number(r.ack99), max: Number(r.ackmax) },
      freshnessMs: { p50: Number(r.f50), p99: Number(r.f99), max: Number(r.fmax) },
    };
  } finally {
    await client.end();
  }
}
