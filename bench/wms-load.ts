import { summary } from "./stats.js";
import type { GeneratedUpdate, WmsSender } from "./workload.js";

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

/** A load phase's result with every request's latency (ms), so phases can be added up ({@link combineLoads}). */
export interface SampledLoadResult extends LoadResult {
  readonly latencySamples: readonly number[];
}

/** Several phases' load as one: counts and seconds summed, latencies over every request. */
export function combineLoads(results: readonly SampledLoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    requests: sum((r) => r.requests),
    sent: sum((r) => r.sent),
    accepted: sum((r) => r.accepted),
    duplicate: sum((r) => r.duplicate),
    stale: sum((r) => r.stale),
    rejected: sum((r) => r.rejected),
    failedRequests: sum((r) => r.failedRequests),
    seconds: sum((r) => r.seconds),
    latencyMs: summary(results.flatMap((r) => [...r.latencySamples])),
  };
}

/** The WMS contracts a load can speak: the Connect path, the body of a batch, and its count of updates taken. */
export const WMS_CONTRACTS = {
  v1: { path: "/invsync.wms.v1.WmsSyncService/SyncInventory", body: (sender: WmsSender, id: string, updates: readonly GeneratedUpdate[]) => sender.toJson(id, updates), accepted: (r: Answer) => r.accepted },
  v2: { path: "/invsync.wms.v2.WmsSyncService/SyncStock", body: (sender: WmsSender, id: string, updates: readonly GeneratedUpdate[]) => sender.toV2Json(id, updates), accepted: (r: Answer) => r.applied },
} as const;
export type WmsContract = keyof typeof WMS_CONTRACTS;

interface Answer {
  accepted?: number;
  applied?: number;
  duplicate?: number;
  stale?: number;
  rejected?: number;
}

/** Posts one batch as a WMS does (Connect JSON) and tallies the answer into `tally`. */
async function post(baseUrl: string, body: string, tally: Tally, headers: Record<string, string>, contract: WmsContract = "v1"): Promise<void> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}${WMS_CONTRACTS[contract].path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const result = (await response.json()) as Answer;
    if (!response.ok) throw new Error(JSON.stringify(result));
    tally.accepted += WMS_CONTRACTS[contract].accepted(result) ?? 0;
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

function result(tally: Tally, started: number): SampledLoadResult {
  return {
    latencySamples: tally.latencies,
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
 * `seconds`, in `contract`'s format. Every generated update is appended to `sentUpdates` (the
 * limits replay the same rows).
 */
export async function saturate(
  baseUrl: string,
  senders: readonly WmsSender[],
  seconds: number,
  batchPrefix: string,
  sentUpdates: GeneratedUpdate[],
  headers: (body: string) => Record<string, string> = () => ({}),
  contract: WmsContract = "v1",
): Promise<SampledLoadResult> {
  const tally = newTally();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    senders.map(async (sender, s) => {
      for (let n = 0; performance.now() < until; n++) {
        const updates = sender.nextBatch();
        sentUpdates.push(...updates);
        tally.sent += updates.length;
        const body = WMS_CONTRACTS[contract].body(sender, `${batchPrefix}-${s}-${n}`, updates);
        await post(baseUrl, body, tally, headers(body), contract);
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
  const { latencySamples: _, ...load } = result(tally, started);
  return load;
}
