import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { skuCode, type GeneratedUpdate } from "./workload.js";

/**
 * The naive peer: what a straightforward integration does with the same updates — one transaction
 * and one statement per row (dedupe insert, lock, upsert stock, insert event), then one awaited
 * publish per event. Returns updates per second, end to end.
 */
export async function naivePeerRate(url: string, natsUrl: string, wmsId: string, updates: readonly GeneratedUpdate[], eventBytes: number): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`
    DROP TABLE IF EXISTS naive_inbox, naive_stock, naive_events;
    CREATE TABLE naive_inbox (wms_id text, sequence bigint, sku text, quantity bigint, PRIMARY KEY (wms_id, sequence));
    CREATE TABLE naive_stock (sku text PRIMARY KEY, on_hand bigint NOT NULL CHECK (on_hand >= 0), version bigint NOT NULL);
    CREATE TABLE naive_events (event_id uuid PRIMARY KEY, sku text, delta bigint, version bigint, published boolean DEFAULT false);`);
  const nc = await connect({ servers: natsUrl });
  const stream = `BENCH_NAIVE_${Date.now()}`;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`], storage: StorageType.File });
  const js = jetstream(nc);
  const payload = new Uint8Array(eventBytes).fill(1);

  const started = performance.now();
  for (const update of updates) {
    const sku = skuCode(update.sku);
    await db.query("BEGIN");
    const fresh = await db.query(`INSERT INTO naive_inbox VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`, [wmsId, update.sequence, sku, update.quantity]);
    if (fresh.rowCount === 0) {
      await db.query("COMMIT");
      continue;
    }
    const current = await db.query<{ on_hand: string; version: string }>(`SELECT on_hand, version FROM naive_stock WHERE sku = $1 FOR UPDATE`, [sku]);
    const before = Number(current.rows[0]?.on_hand ?? 0);
    const version = Number(current.rows[0]?.version ?? 0) + 1;
    await db.query(
      `INSERT INTO naive_stock VALUES ($1, $2, $3) ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, version = EXCLUDED.version`,
      [sku, update.quantity, version],
    );
    const eventId = randomUUID();
    await db.query(`INSERT INTO naive_events (event_id, sku, delta, version) VALUES ($1, $2, $3, $4)`, [eventId, sku, update.quantity - before, version]);
    await db.query("COMMIT");
    await js.publish(`${stream.toLowerCase()}.${sku}`, payload, { msgID: eventId });
    await db.query(`UPDATE naive_events SET published = true WHERE event_id = $1`, [eventId]);
  }
  const rate = updates.length / ((performance.now() - started) / 1000);
  await jsm.streams.delete(stream);
  await nc.close();
  await db.query(`DROP TABLE naive_inbox, naive_stock, naive_events`);
  await db.end();
  return rate;
}
