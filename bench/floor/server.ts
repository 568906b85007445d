/**
 * The same-work floor (`npm run bench` runs it beside the service): the least that does the
 * brief's durable work for a WMS update, batched as the service batches it. An HTTP server on a
 * port of its own takes the service's `SyncInventory` requests (Connect JSON), and for each request
 * (and each batch of a file dropped in its folder, `drop-folder.ts`) runs one transaction (see
 * `ingest.ts`: inbox insert deduplicated by wms id + sequence, the stock records locked and each
 * update applied when newer than the record's last sequence, a ledger/outbox row per event, each
 * step one multi-row statement), answers once it committed, and
 * publishes the events to JetStream with `msgID = event_id`, pipelined, marking each batch published
 * once acknowledged (`relay.ts`). Its own database and stream. What it leaves out is what only the
 * service does beyond that: request signatures, the anti-corruption layer's checks and its
 * rejected-update rows, strangler routing and its ledger, settlement against pending shipments,
 * stale marks, movements, metrics, logs and traces.
 *
 * Settings (environment): DATABASE_URL, NATS_URL, NATS_STREAM, NATS_SUBJECT_PREFIX, HOST
 * (127.0.0.1), PORT (0: any free port), FLOOR_CONCURRENT_BATCHES (2, the service's
 * `WMS_MAX_CONCURRENT_BATCHES` default); for the file phase FLOOR_DROP_DIR (a folder to watch for
 * `*.v1.jsonl` files, see `drop-folder.ts`; none: no folder), FLOOR_DROP_POLL_MS (2000) and
 * FLOOR_FILE_BATCH_SIZE (1000), the service's `WMS_DROP_POLL_MS` and `WMS_FILE_BATCH_SIZE`
 * defaults. Prints one JSON line `{"msg":"floor started","port":…}`.
 */
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import pg from "pg";
import { FloorDropFolder } from "./drop-folder.js";
import { FloorRequestError, ingestBatch, parseBatch, type FloorBatchResult, type FloorUpdate } from "./ingest.js";
import { FloorRelay, unpublishedBatches } from "./relay.js";
import { FLOOR_SCHEMA } from "./schema.js";

const SYNC_PATH = "/invsync.wms.v1.WmsSyncService/SyncInventory";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const settings = {
  databaseUrl: required("DATABASE_URL"),
  natsUrl: required("NATS_URL"),
  stream: required("NATS_STREAM"),
  subjectPrefix: required("NATS_SUBJECT_PREFIX"),
  host: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  concurrentBatches: Number(process.env.FLOOR_CONCURRENT_BATCHES ?? 2),
  dropDirectory: process.env.FLOOR_DROP_DIR,
  dropPollMs: Number(process.env.FLOOR_DROP_POLL_MS ?? 2000),
  fileBatchSize: Number(process.env.FLOOR_FILE_BATCH_SIZE ?? 1000),
};
const log = (msg: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ msg, ...fields })}\n`);
const logError = (error: unknown) => log("floor error", { error: String(error) });

const db = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.concurrentBatches + 1 });
await db.query(FLOOR_SCHEMA);
const nc = await connect({ servers: settings.natsUrl, noAsyncTraces: true }); // as the service connects
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: settings.stream, subjects: [`${settings.subjectPrefix}.v1.>`], storage: StorageType.File, duplicate_window: 120 * 1e9 });
const relay = new FloorRelay(jetstream(nc), db, settings.subjectPrefix, logError);
for (const batch of await unpublishedBatches(db)) relay.push(batch);

/** Batches being applied, at most `concurrentBatches`; the rest wait their turn in order. */
let active = 0;
const waiting: Array<() => void> = [];
async function turn(): Promise<void> {
  if (active < settings.concurrentBatches) {
    active++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}
function done(): void {
  const next = waiting.shift();
  if (next) next();
  else active--;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** One batch (a request's, or a dropped file's lines) in its turn: its transaction, then its events to the relay. */
async function applyBatch(batchId: string, updates: FloorUpdate[]): Promise<FloorBatchResult> {
  await turn();
  let client: pg.PoolClient | undefined;
  try {
    client = await db.connect();
    const result = await ingestBatch(client, batchId, updates);
    if (result.batchRow) relay.push({ batchRow: result.batchRow, events: result.events });
    return result;
  } finally {
    client?.release();
    done();
  }
}

async function sync(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { batchId, updates } = parseBatch(await readBody(request));
  const result = await applyBatch(batchId, updates);
  answer(response, 200, { batchId, accepted: result.accepted, duplicate: result.duplicate, stale: result.stale, rejected: 0 });
}

const dropFolder = settings.dropDirectory ? new FloorDropFolder({ directory: settings.dropDirectory, pollMs: settings.dropPollMs, batchSize: settings.fileBatchSize }, applyBatch, logError) : undefined;
dropFolder?.start();

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/readyz") return answer(response, 200, { ready: true, published: relay.published });
  if (request.method !== "POST" || request.url !== SYNC_PATH) return answer(response, 404, { code: "not_found", message: `${request.method} ${request.url}` });
  sync(request, response).catch((error: unknown) => {
    if (error instanceof FloorRequestError) return answer(response, 400, { code: "invalid_argument", field: error.field, message: error.reason });
    logError(error);
    answer(response, 500, { code: "internal", message: String(error) });
  });
});
server.listen(settings.port, settings.host, () => {
  const address = server.address();
  log("floor started", { port: typeof address === "object" && address ? address.port : settings.port });
});

process.once("SIGTERM", () => {
  void (async () => {
    await new Promise((resolve) => server.close(resolve)); // requests in flight are answered first
    await dropFolder?.stop(); // and the file in progress is read to its end
    await relay.drain();
    await db.end();
    await nc.close();
    log("floor stopped", { published: relay.published });
    process.exit(0);
  })();
});
