import { signatureHeader } from "../../src/adapters/http/wms-signature.js";
import { TEST_KEY } from "../../contract-tests/support/signed-requests.js";
import { seededRandom } from "../../bench/stats.js";
import type { PlannedBatch, PlannedSource } from "./wms-stream.js";

/** How a feed behaves. */
export interface FeedOptions {
  /** Batches each source keeps in flight at once (more than one reorders batches on the wire). */
  readonly inFlightPerSource: number;
  /** Share of acknowledged batches sent once more later, signed anew (a WMS resending). */
  readonly resendShare: number;
  readonly seed: number;
  /** Where batches go (default the Connect path of `SyncInventory`). */
  readonly path?: string;
  /** Longest wait for one attempt before it counts as a timeout and is retried. */
  readonly attemptTimeoutMs?: number;
  /** Longest wait between retries of one batch. */
  readonly maxBackoffMs?: number;
  /** Pause of each lane between two batches (0: send the next as soon as the last is acknowledged). */
  readonly paceMs?: number;
}

/** One answer (or failure to answer) the feed saw. */
export interface Attempt {
  readonly at: number;
  /** HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  readonly status: number;
  readonly ms: number;
  /** The `Retry-After` header of a 429 answer (null when it carried none); absent for other answers. */
  readonly retryAfter?: string | null;
}

/** What the feed sent and what was acknowledged. */
export interface FeedTally {
  batches: number;
  attempts: number;
  acknowledgedBatches: number;
  /** Updates in acknowledged batches (resends counted again). */
  acknowledgedUpdates: number;
  accepted: number;
  duplicate: number;
  stale: number;
  rejected: number;
  resends: number;
  /** Attempts answered with each status (0: no answer), and with each error code of a refusal. */
  readonly statuses: Record<string, number>;
  readonly refusalCodes: Record<string, number>;
  timeouts: number;
  /** Answers a WMS must not get for a good batch: any 4xx other than 401-replayed, 413 and 429. */
  readonly unexpected: string[];
}

/**
 * A WMS feed that behaves as a careful WMS does: it sends each planned batch, signs every attempt
 * anew (never twice in one second, so a retry is never mistaken for a replay), and resends a batch
 * until it is acknowledged (200) — after connection failures, timeouts, 5xx, 429 and 503. Every
 * attempt is recorded, so a scenario can see when the service refused and when it recovered.
 */
export class WmsFeed {
  readonly tally: FeedTally = {
    batches: 0,
    attempts: 0,
    acknowledgedBatches: 0,
    acknowledgedUpdates: 0,
    accepted: 0,
    duplicate: 0,
    stale: 0,
    rejected: 0,
    resends: 0,
    statuses: {},
    refusalCodes: {},
    timeouts: 0,
    unexpected: [],
  };
  readonly attempts: Attempt[] = [];
  private inFlightCount = 0;
  private stopped = false;
  private readonly delivered = new Map<PlannedSource, PlannedBatch[]>();
  private readonly random: () => number;

  constructor(
    /** The service's URL, or a function that picks one per attempt (a load balancer over replicas). */
    private readonly baseUrl: string | (() => string),
    private readonly sources: readonly PlannedSource[],
    private readonly options: FeedOptions,
  ) {
    this.random = seededRandom(options.seed);
  }

  /** Requests waiting for an answer right now. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Stops taking planned batches; those already sent are still resent until acknowledged. */
  stop(): void {
    this.stopped = true;
  }

  /** The sources with only the batches that were delivered (all of them unless {@link stop} was called): what the audit replays. */
  deliveredSources(): PlannedSource[] {
    return this.sources.map((source) => ({ sender: source.sender, batches: this.delivered.get(source) ?? [] }));
  }

  /** Sends every planned batch until acknowledged; resolves when all are (or, after {@link stop}, when those sent are). */
  async run(): Promise<FeedTally> {
    await Promise.all(this.sources.map((source) => this.runSource(source)));
    return this.tally;
  }

  /** A source's lanes take planned batches in order, and now and then resend an acknowledged one. */
  private async runSource(source: PlannedSource): Promise<void> {
    const queue = [...source.batches];
    const resends: PlannedBatch[] = [];
    const delivered: PlannedBatch[] = [];
    this.delivered.set(source, delivered);
    const lane = async (): Promise<void> => {
      for (;;) {
        const resend = resends.length > 0 && (queue.length === 0 || this.random() < 0.3);
        const batch = resend ? resends.shift() : this.stopped ? undefined : queue.shift();
        if (!batch) return;
        await this.deliver(batch);
        if (!resend) delivered.push(batch);
        if (this.options.paceMs) await sleep(this.options.paceMs);
        if (!resend && this.random() < this.options.resendShare) {
          this.tally.resends++;
          resends.push(batch);
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.inFlightPerSource }, lane));
    for (let batch = resends.shift(); batch; batch = resends.shift()) await this.deliver(batch); // pushed while the last lanes ended
  }

  /** Sends `batch` until the service acknowledges it. */
  private async deliver(batch: PlannedBatch): Promise<void> {
    this.tally.batches++;
    let backoffMs = 100;
    let lastSecond = -1;
    for (;;) {
      let second = Math.floor(Date.now() / 1000);
      if (second === lastSecond) {
        await sleep(1000 - (Date.now() % 1000) + 5);
        second = Math.floor(Date.now() / 1000);
      }
      lastSecond = second;
      const answer = await this.attempt(batch, second);
      if (answer === "acknowledged") return;
      if (answer === "unexpected") return;
      await sleep(backoffMs * (0.5 + this.random()));
      backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs ?? 2000);
    }
  }

  private async attempt(batch: PlannedBatch, second: number): Promise<"acknowledged" | "retry" | "unexpected"> {
    const started = Date.now();
    this.tally.attempts++;
    this.inFlightCount++;
    let status = 0;
    let retryAfter: string | null | undefined;
    try {
      const base = typeof this.baseUrl === "string" ? this.baseUrl : this.baseUrl();
      const response = await fetch(`${base}${this.options.path ?? "/invsync.wms.v1.WmsSyncService/SyncInventory"}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-invsync-signature": signatureHeader(TEST_KEY.id, TEST_KEY.secret, second, Buffer.from(batch.body)),
        },
        body: batch.body,
        signal: AbortSignal.timeout(this.options.attemptTimeoutMs ?? 30_000),
      });
      status = response.status;
      if (status === 429) retryAfter = response.headers.get("retry-after");
      const text = await response.text();
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (status === 200) {
        this.acknowledge(batch, body);
        return "acknowledged";
      }
      const code = String((body.detail as { code?: string } | undefined)?.code ?? body.code ?? "none");
      this.tally.refusalCodes[code] = (this.tally.refusalCodes[code] ?? 0) + 1;
      const retryable = status >= 500 || status === 429 || (status === 401 && code === "WMS.SIGNATURE_REPLAYED");
      if (retryable) return "retry";
      this.tally.unexpected.push(`${batch.batchId}: HTTP ${status} ${text.slice(0, 300)}`);
      return "unexpected";
    } catch (error) {
      if ((error as { name?: string }).name === "TimeoutError") this.tally.timeouts++;
      return "retry";
    } finally {
      this.inFlightCount--;
      this.tally.statuses[status] = (this.tally.statuses[status] ?? 0) + 1;
      this.attempts.push({ at: started, status, ms: Date.now() - started, ...(retryAfter !== undefined ? { retryAfter } : {}) });
    }
  }

  private acknowledge(batch: PlannedBatch, body: Record<string, unknown>): void {
    this.tally.acknowledgedBatches++;
    this.tally.acknowledgedUpdates += batch.updates.length;
    this.tally.accepted += Number(body.accepted ?? 0);
    this.tally.duplicate += Number(body.duplicate ?? 0);
    this.tally.stale += Number(body.stale ?? 0);
    this.tally.rejected += Number(body.rejected ?? 0);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
