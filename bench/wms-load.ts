import { summary } from "./stats.js";
import { WmsSender, type GeneratedUpdate } from "./workload.js";

/** What a load phase sent and saw. */
export interface LoadResult {
  readonly requests: number;
  readonly sent: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  readonly rejected: number;
  readonly failedRequests: number;
  /** From the first request to the last response, in seconds. */
  readonly seconds: number;
  /** Request → response (the batch is committed when the response arrives), in ms. */
  readonly latencyMs: { p50: number; p99: number; max: number };
}

const SYNC_PATH = "/invsync.wms.v1.WmsSyncService/SyncInventory";

/** Posts one batch as a WMS does (Connect JSON) and tallies the answer into `tally`. */
async function post(baseUrl: string, body: string, tally: Tally, headers: Record<string, string>): Promise<void> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}${SYNC_PATH}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const result = (await response.json()) as { accepted?: number; duplicate?: number; stale?: number; rejected?: number };
    if (!response.ok) throw new Error(JSON.stringify(result));
    tally.accepted += result.accepted ?? 0;
    tally.duplicate += result.duplicate ?? 0;
    tally.stale += result.stale ?? 0;
    tally.rejected += result.rejected ?? 0;
  } catch (error) {
    tally.failed++;
    if (tally.failed <= 3) console.error(`bench: request failed: ${String(error).slice(0, 300)}`);
  }
  tally.latencies.push(performance.now() - started);
  tally.lastResponse = performance.now();
}

interface Tally {
  accepted: number;
  duplicate: number;
  stale: number;
  rejected: number;
  failed: number;
  sent: number;
  latencies: number[];
  lastResponse: number;
}

function newTally(): Tally {
  return { accepted: 0, duplicate: 0, stale: 0, rejected: 0, failed: 0, sent: 0, latencies: [], lastResponse: 0 };
}

function result(tally: Tally, started: number): LoadResult {
  return {
    requests: tally.latencies.length,
    sent: tally.sent,
    accepted: tally.accepted,
    duplicate: tally.duplicate,
    stale: tally.stale,
    rejected: tally.rejected,
    failedRequests: tally.failed,
    seconds: (tally.lastResponse - started) / 1000,
    latencyMs: summary(tally.latencies),
  };
}

/**
 * Saturation: every sender posts its next batch as soon as the previous answer arrives, for
 * `seconds`. Every generated update is appended to `sentUpdates` (the limits replay the same rows).
 */
export async function saturate(
  baseUrl: string,
  senders: readonly WmsSender[],
  seconds: number,
  batchPrefix: string,
  sentUpdates: GeneratedUpdate[],
  headers: (body: string) => Record<string, string> = () => ({}),
): Promise<LoadResult> {
  const tally = newTally();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    senders.map(async (sender, s) => {
      for (let n = 0; performance.now() < until; n++) {
        const updates = sender.nextBatch();
        sentUpdates.push(...updates);
        tally.sent += updates.length;
        const body = sender.toJson(`${batchPrefix}-${s}-${n}`, updates);
        await post(baseUrl, body, tally, headers(body));
      }
    }),
  );
  return result(tally, started);
}

/** Paced load: `rate` updates per second in batches of `batchSize`, round-robin over the senders, for `seconds`. */
export async function paced(
  baseUrl: string,
  senders: readonly WmsSender[],
  rate: number,
  batchSize: number,
  seconds: number,
  batchPrefix: string,
  headers: (body: string) => Record<string, string> = () => ({}),
): Promise<LoadResult> {
  const tally = newTally();
  const intervalMs = (batchSize / rate) * 1000;
  const batches = Math.max(1, Math.floor((seconds * 1000) / intervalMs));
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < batches; i++) {
    const wait = started + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sender = senders[i % senders.length]!;
    const updates = sender.nextBatch(batchSize);
    tally.sent += updates.length;
    const body = sender.toJson(`${batchPrefix}-${i}`, updates);
    inFlight.push(post(baseUrl, body, tally, headers(body)));
  }
  await Promise.all(inFlight);
  return result(tally, started);
}
