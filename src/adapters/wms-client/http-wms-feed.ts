import type { RawUpdate } from "../../wms-ingestion/application/raw-update.js";
import type { PullRange, WmsFeed } from "../../wms-ingestion/application/wms-pull.js";

/** Where and how to pull from the WMS. */
export interface HttpWmsFeedSettings {
  /** The pull endpoint, for example `https://wms.example/api/stock-feed`. */
  readonly url: string;
  /** The contract the endpoint answers in (`wms.v1` or `wms.v2`). */
  readonly schemaVersion: string;
  /** An auth header sent with every request, for example `["authorization", "Bearer …"]`. */
  readonly authHeader: readonly [string, string] | undefined;
  /** Tries per page before giving up (1 = no retry). */
  readonly maxAttempts: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** First backoff; doubles per retry (with jitter), capped at 30 s. */
  readonly backoffMs: number;
}

/** The WMS answered something we cannot use; retrying will not help. */
export class WmsFeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WmsFeedError";
  }
}

/**
 * {@link WmsFeed} over HTTP: `GET <url>?wms_id=…&after_sequence=…&limit=…[&to_sequence=…]
 * [&from_time=…][&to_time=…]` answering `{"updates": [ … ]}`, each update in the JSON of the
 * configured contract, in ascending sequence order. Network errors, timeouts, 429 and 5xx are
 * retried with exponential backoff and jitter (honouring Retry-After); other answers fail at once.
 */
export class HttpWmsFeed implements WmsFeed {
  readonly schemaVersion: string;

  constructor(
    private readonly settings: HttpWmsFeedSettings,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.schemaVersion = settings.schemaVersion;
  }

  async fetch(range: PullRange, limit: number): Promise<readonly RawUpdate[]> {
    const url = new URL(this.settings.url);
    url.searchParams.set("wms_id", range.wmsId);
    url.searchParams.set("after_sequence", range.afterSequence.toString());
    url.searchParams.set("limit", String(limit));
    if (range.toSequence !== undefined) url.searchParams.set("to_sequence", range.toSequence.toString());
    if (range.fromTime) url.searchParams.set("from_time", range.fromTime.toISOString());
    if (range.toTime) url.searchParams.set("to_time", range.toTime.toISOString());
    const body = await this.getWithRetries(url);
    const updates = (body as { updates?: unknown } | null)?.updates;
    if (!Array.isArray(updates)) throw new WmsFeedError(`WMS pull answer from ${url.origin} has no "updates" array`);
    return updates.map((json) => ({ json }));
  }

  private async getWithRetries(url: URL): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | undefined;
      let failure: string;
      try {
        const response = await fetch(url, {
          headers: { accept: "application/json", ...(this.settings.authHeader ? { [this.settings.authHeader[0]]: this.settings.authHeader[1] } : {}) },
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        if (response.ok) return await response.json();
        const text = (await response.text()).slice(0, 200);
        failure = `WMS pull answered ${response.status}: ${text}`;
        if (response.status !== 429 && response.status < 500) throw new WmsFeedError(failure);
        const retryAfter = Number(response.headers.get("retry-after"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
      } catch (error) {
        if (error instanceof WmsFeedError) throw error;
        failure = `WMS pull failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (attempt >= this.settings.maxAttempts) throw new WmsFeedError(`${failure} (after ${attempt} attempts)`);
      const backoff = Math.min(30_000, this.settings.backoffMs * 2 ** (attempt - 1));
      await this.sleep(retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2));
    }
  }
}
