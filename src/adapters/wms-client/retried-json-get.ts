/** How to call the WMS: auth header, attempts, timeout, backoff. */
export interface WmsCallSettings {
  /** An auth header sent with every request, for example `["authorization", "Bearer …"]`. */
  readonly authHeader: readonly [string, string] | undefined;
  /** Tries per request before giving up (1 = no retry). */
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
 * GETs `url` from the WMS and returns its JSON. Network errors, timeouts, 429 and 5xx are retried
 * with exponential backoff and jitter (honouring Retry-After); other answers fail at once.
 */
export async function getWmsJson(url: URL, settings: WmsCallSettings, sleep: (ms: number) => Promise<void>): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs: number | undefined;
    let failure: string;
    try {
      const response = await fetch(url, {
        headers: { accept: "application/json", ...(settings.authHeader ? { [settings.authHeader[0]]: settings.authHeader[1] } : {}) },
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      if (response.ok) return await response.json();
      const text = (await response.text()).slice(0, 200);
      failure = `WMS answered ${response.status}: ${text}`;
      if (response.status !== 429 && response.status < 500) throw new WmsFeedError(failure);
      const retryAfter = Number(response.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
    } catch (error) {
      if (error instanceof WmsFeedError) throw error;
      failure = `WMS request failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (attempt >= settings.maxAttempts) throw new WmsFeedError(`${failure} (after ${attempt} attempts)`);
    const backoff = Math.min(30_000, settings.backoffMs * 2 ** (attempt - 1));
    await sleep(retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2));
  }
}
