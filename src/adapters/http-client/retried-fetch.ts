import { setTimeout as wait } from "node:timers/promises";
import { backoffMs, CallFailedError, type AttemptFailureKind, type FailedAttempt } from "../../shared/retries.js";
import { retryAfterMs } from "./retry-after.js";

/** How to call a peer over HTTP: auth header, attempts, timeout, backoff. */
export interface HttpCallSettings {
  /** An auth header sent with every request, for example `["authorization", "Bearer …"]`. */
  readonly authHeader: readonly [string, string] | undefined;
  /** Tries per call before giving up (1 = no retry). */
  readonly maxAttempts: number;
  /** Per-attempt timeout (the answer's body included). */
  readonly timeoutMs: number;
  /** First backoff; doubles per retry (with jitter), capped at 30 s. */
  readonly backoffMs: number;
}

/** Who is called and what to tell about each attempt. */
export interface RetriedFetchOptions {
  /** The peer, as error messages name it (`WMS`, `legacy endpoint`). */
  readonly peer: string;
  /** Waits between attempts (tests pass a faster one); by default a timer `signal` cancels. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Aborts the waits between attempts and any further attempt; a request in flight is let finish. */
  readonly signal?: AbortSignal;
  /** Told of every failed attempt, the last one included. */
  readonly attemptFailed?: (failure: FailedAttempt) => void;
  /** Headers made anew for each attempt (a signature with the attempt's time). */
  readonly attemptHeaders?: () => Record<string, string>;
}

/** Longest backoff between attempts (a `Retry-After` may ask for longer, and is honoured). */
const MAX_BACKOFF_MS = 30_000;

/**
 * Calls `url` until an attempt succeeds, and returns what `read` made of the successful answer and
 * the attempts it took. Network errors, timeouts, 429 and 5xx are retried up to `maxAttempts` with
 * exponential backoff and jitter (honouring `Retry-After`); any other answer that is not 2xx is
 * refused at once (`rejected`). A failure of `read` is retried like a network error. Gives up with
 * a {@link CallFailedError} naming the last failure; error messages carry the status and the start
 * of the answer, never a header sent.
 */
export async function retriedFetch<T>(
  url: URL,
  init: RequestInit,
  settings: HttpCallSettings,
  read: (response: Response) => Promise<T>,
  options: RetriedFetchOptions,
): Promise<{ readonly value: T; readonly attempts: number }> {
  const headers = { ...(init.headers as Record<string, string> | undefined), ...(settings.authHeader ? { [settings.authHeader[0]]: settings.authHeader[1] } : {}) };
  for (let attempt = 1; ; attempt++) {
    let failed: { kind: AttemptFailureKind; status: number | undefined; message: string; retryAfterMs: number | undefined };
    try {
      const sent = options.attemptHeaders ? { ...headers, ...options.attemptHeaders() } : headers;
      const response = await fetch(url, { ...init, headers: sent, signal: AbortSignal.timeout(settings.timeoutMs) });
      if (response.ok) return { value: await read(response), attempts: attempt };
      const text = (await response.text()).slice(0, 200);
      failed = {
        kind: response.status === 429 ? "throttled" : response.status >= 500 ? "server_error" : "rejected",
        status: response.status,
        message: `${options.peer} answered ${response.status}: ${text}`,
        retryAfterMs: retryAfterMs(response.headers.get("retry-after"), Date.now()),
      };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      failed = { kind: timedOut ? "timeout" : "network", status: undefined, message: `${options.peer} request failed: ${describe(error)}`, retryAfterMs: undefined };
    }
    const last = failed.kind === "rejected" || attempt >= settings.maxAttempts || options.signal?.aborted === true;
    const retryInMs = last ? undefined : (failed.retryAfterMs ?? backoffMs(attempt, settings.backoffMs, MAX_BACKOFF_MS));
    const failure: FailedAttempt = { ...failed, attempt, retryInMs };
    options.attemptFailed?.(failure);
    if (retryInMs === undefined) throw new CallFailedError(failure, failed.kind === "rejected" ? failed.message : `${failed.message} (after ${attempt} attempts)`);
    await (options.sleep ? options.sleep(retryInMs) : wait(retryInMs, undefined, { signal: options.signal }));
  }
}

/** An error's message with its cause's (fetch says "fetch failed" and puts the reason in `cause`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== error.message ? `${error.message} (${cause})` : error.message;
}
