import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The shared PostgreSQL server's admin URL (tests create and drop their own databases on it). */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** The shared NATS server (tests create and delete their own streams on it). */
export const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** A short random token that keeps names of concurrent test runs apart. */
export function runToken(): string {
  return randomBytes(5).toString("hex");
}

/** A database of this test's own, dropped by `drop()`. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Runs one statement on this database (a connection of its own) and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Creates an empty database named after `label` and a random token. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `invsync_t_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${runToken()}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: (sql, values = []) => queryAt(url.toString(), sql, values),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** A stream name and subject prefix of this test's own. */
export interface TestStream {
  readonly stream: string;
  readonly subjectPrefix: string;
  /** Deletes the stream from `natsUrl` (the shared server by default), if it exists. */
  delete(natsUrl?: string): Promise<void>;
}

/** Names a stream that no other test run uses. */
export function testStream(label: string): TestStream {
  const token = runToken();
  const stream = `T_${label.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}_${token}`;
  return {
    stream,
    subjectPrefix: `t${token}.inventory`,
    async delete(natsUrl = NATS_URL) {
      const nc = await connect({ servers: natsUrl, timeout: 2000 });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(stream).catch(() => undefined);
      } finally {
        await nc.close();
      }
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  await queryAt(PG_ADMIN_URL, sql, []);
}

async function queryAt<T>(connectionString: string, sql: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}
