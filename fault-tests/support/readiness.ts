/** The body of `/readyz` (see the README's endpoints). */
export interface ReadinessBody {
  readonly status: string;
  readonly database: { readonly up: boolean };
  readonly nats: { readonly connected: boolean; readonly streamReady: boolean };
  /** `backlog` null when the service could not read it; `oldestAgeSeconds`: how long the oldest waiting event has waited. */
  readonly outbox: { readonly backlog: number | null; readonly oldestAgeSeconds?: number };
}

const UNANSWERED: ReadinessBody = { status: "no answer", database: { up: false }, nats: { connected: false, streamReady: false }, outbox: { backlog: null } };

/**
 * True once what piled up in an outage has gone out: nothing waits, or, under continued load, the
 * oldest waiting event is under 2 s old (the relay keeps up: about 0.5 s behind at paced load). An
 * unreadable backlog (null) is not drained.
 */
export function backlogDrained(outbox: ReadinessBody["outbox"]): boolean {
  return outbox.backlog !== null && (outbox.backlog === 0 || (outbox.oldestAgeSeconds ?? Infinity) < 2);
}

/** GETs `/readyz`; a service that does not answer counts as status 0. */
export async function readiness(baseUrl: string): Promise<{ status: number; body: ReadinessBody }> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as ReadinessBody };
  } catch {
    return { status: 0, body: UNANSWERED };
  }
}
