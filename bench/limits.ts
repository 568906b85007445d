import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { skuCode, type GeneratedUpdate } from "./workload.js";

/**
 * The bare PostgreSQL limit: the same rows upserted in batches of 1000 with `unnest` +
 * `INSERT … ON CONFLICT DO UPDATE`, on `connections` parallel connections, nothing else.
 * Rows repeated inside one statement are collapsed (PostgreSQL cannot update a row twice in one
 * statement) and sorted by key, as any careful bulk writer does; the rate counts every input row. Returns rows per second.
 */
export async function bareUpsertRate(url: string, rows: readonly GeneratedUpdate[], connections: number): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`DROP TABLE IF EXISTS bench_upsert; CREATE TABLE bench_upsert (sku text COLLATE "C", location_id text COLLATE "C", on_hand bigint NOT NULL, PRIMARY KEY (sku, location_id))`);
  await setup.end();
  const batches: Array<{ skus: string[]; quantities: number[] }> = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const last = new Map<number, number>();
    for (const row of rows.slice(i, i + 1000)) last.set(row.sku, row.quantity);
    const sorted = [...last.entries()].sort((a, b) => a[0] - b[0]); // key order: concurrent batches never deadlock
    batches.push({ skus: sorted.map(([sku]) => skuCode(sku)), quantities: sorted.map(([, quantity]) => quantity) });
  }
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let b = next++; b < batches.length; b = next++) {
        await client.query(
          `INSERT INTO bench_upsert (sku, location_id, on_hand) SELECT s, 'default', q FROM unnest($1::text[], $2::bigint[]) AS u(s, q)
           ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
          [batches[b]!.skus, batches[b]!.quantities],
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return rows.length / seconds;
}

/**
 * The bare JetStream limit: `count` messages of `size` bytes published with msg ids to a stream of
 * its own, `inFlight` at a time, nothing else. Returns messages per second. `noAsyncTraces` as the
 * service connects (nats.js otherwise builds an Error with a stack trace for every request, in case
 * it fails: measured on this machine, that halves what one client publishes, 32–34k against
 * 61–62k msg/s); false measures the client as it comes.
 */
export async function barePublishRate(natsUrl: string, count: number, size: number, inFlight: number, noAsyncTraces: boolean): Promise<number> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces });
  const stream = `BENCH_LIMIT_${Date.now()}`;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`], storage: StorageType.File });
  const js = jetstream(nc);
  const payload = new Uint8Array(size).fill(7);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < count; i = next++) {
        await js.publish(`${stream.toLowerCase()}.sku.${i % 1000}`, payload, { msgID: `limit-${i}` });
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await jsm.streams.delete(stream);
  await nc.close();
  return rate;
}
