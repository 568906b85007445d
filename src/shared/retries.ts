/** Why one attempt of a call failed; a closed set, so it can label a metric. */
export type AttemptFailureKind = "network" | "timeout" | "throttled" | "server_error" | "rejected";

/** One failed attempt of a retried call. */
export interface FailedAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly kind: AttemptFailureKind;
  /** The peer's status code, when it answered. */
  readonly status: number | undefined;
  /** What went wrong, in words (never a credential). */
  readonly message: string;
  /** The wait the peer asked for before trying again (`Retry-After`), if any. */
  readonly retryAfterMs: number | undefined;
  /** The wait before the next attempt; undefined when this attempt was the last. */
  readonly retryInMs: number | undefined;
}

/**
 * A call that failed for good: the peer refused it (`rejected`: trying again will not help) or
 * every attempt failed. `failure` is its last attempt.
 */
export class CallFailedError extends Error {
  constructor(
    readonly failure: FailedAttempt,
    message: string,
  ) {
    super(message);
    this.name = "CallFailedError";
  }

  /** False when the peer refused the call itself: the same call will be refused again. */
  get retryable(): boolean {
    return this.failure.kind !== "rejected";
  }
}

/**
 * The wait before retry number `retry` (1 for the first): `firstMs` doubling per retry up to
 * `capMs`, with jitter (a random point of the upper half), so that callers that failed together
 * do not all come back at the same moment.
 */
export function backoffMs(retry: number, firstMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, firstMs * 2 ** Math.max(0, retry - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}
