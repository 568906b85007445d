import { connect, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import {
  EventProcessor,
  GrpcInventoryState,
  JetStreamMissingEvents,
  PostgresConsumerStore,
  startDurableConsumer,
  type BatchResult,
  type RunningConsumer,
} from "../../../packages/consumer-kit/src/index.js";
import { AvailableStockReadModel } from "./available-stock.js";

/** Where the read model service connects. */
export interface ReadModelSettings {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  /** inventory-sync's internal gRPC address, for healing a gap from `GetInventory`. */
  readonly grpcAddress: string;
  /** The durable consumer's name (and the consumer's name in the kit's store). */
  readonly consumerName: string;
  readonly batchSize: number;
}

/** The read model service, running. */
export interface RunningReadModel {
  readonly model: AvailableStockReadModel;
  /** Batches settled so far (applied, duplicates, dead letters, issues). */
  readonly totals: { batches: number; applied: number; duplicates: number; deadLetters: number; issues: number; errors: number };
  stop(): Promise<void>;
}

/** Reads the settings from `env` (defaults: the local servers and the service's defaults). */
export function readModelSettings(env: Readonly<Record<string, string | undefined>>): ReadModelSettings {
  return {
    databaseUrl: env.READ_MODEL_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/available_stock",
    natsUrl: env.NATS_URL ?? "nats://127.0.0.1:4222",
    stream: env.NATS_STREAM ?? "INVENTORY",
    subjectPrefix: env.NATS_SUBJECT_PREFIX ?? "inventory",
    grpcAddress: env.INVSYNC_GRPC_ADDRESS ?? "127.0.0.1:50051",
    consumerName: env.CONSUMER_NAME ?? "available-stock-read-model",
    batchSize: Number(env.BATCH_SIZE ?? "200"),
  };
}

/**
 * Starts the read model: its tables and the kit's store in its own database, a durable pull
 * consumer on every inventory subject, gaps healed from the stream, then from `GetInventory`.
 */
export async function startReadModel(settings: ReadModelSettings, log: (line: Record<string, unknown>) => void = () => undefined): Promise<RunningReadModel> {
  await createDatabaseIfMissing(settings.databaseUrl);
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 4 });
  const model = new AvailableStockReadModel(pool);
  await model.migrate();
  const store = new PostgresConsumerStore(pool);
  await store.migrate();
  const nc: NatsConnection = await connect({ servers: settings.natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const state = new GrpcInventoryState(settings.grpcAddress);
  const processor = new EventProcessor({
    consumer: settings.consumerName,
    store,
    handler: model,
    heal: { events: new JetStreamMissingEvents(nc, settings.stream), state },
  });
  const totals = { batches: 0, applied: 0, duplicates: 0, deadLetters: 0, issues: 0, errors: 0 };
  const onBatch = (result: BatchResult): void => {
    totals.batches++;
    totals.applied += result.applied;
    totals.duplicates += result.duplicates;
    totals.deadLetters += result.deadLetters.length;
    totals.issues += result.issues.length;
    for (const letter of result.deadLetters) log({ msg: "dead letter", reason: letter.reason, detail: letter.detail, streamSequence: letter.raw.streamSequence });
    for (const issue of result.issues) log({ msg: "continuity", kind: issue.kind, sku: issue.record.sku, lastVersion: String(issue.lastVersion), version: String(issue.version), healing: issue.healing });
  };
  let running: RunningConsumer | undefined;
  for (;;) {
    try {
      running = await startDurableConsumer(nc, processor, {
        stream: settings.stream,
        durable: settings.consumerName,
        filterSubject: `${settings.subjectPrefix}.v1.>`,
        batchSize: settings.batchSize,
        onBatch,
        onError: (error) => {
          totals.errors++;
          log({ msg: "consumer error (retrying)", error: error instanceof Error ? error.message : String(error) });
        },
      });
      break;
    } catch (error) {
      // The stream may not exist yet (the service creates it at its start): wait for it.
      log({ msg: "waiting for the stream", stream: settings.stream, error: error instanceof Error ? error.message : String(error) });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  log({ msg: "available-stock read model started", consumer: settings.consumerName, stream: settings.stream });
  return {
    model,
    totals,
    async stop() {
      await running?.stop();
      state.close();
      await nc.close();
      await pool.end();
    },
  };
}

async function createDatabaseIfMissing(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
      if (error.code !== "42P04") throw error; // created meanwhile by another process
    });
  } finally {
    await client.end();
  }
}
