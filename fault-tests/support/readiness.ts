/** The body of `/readyz` (see the README's endpoints). */
export interface ReadinessBody {
  readonly status: string;
  readonly database: { readonly up: boolean };
  readonly nats: { readonly connected: boolean; readonly streamReady: boolean };
  readonly outbox: { readonly backlog: number | null };
}

const UNANSWERED: ReadinessBody = { status: "no answer", database: { up: false }, nats: { connected: false, streamReady: false }, outbox: { backlog: null } };

/** GETs `/readyz`; a service that does not answer counts as status 0. */
export async function readiness(baseUrl: string): Promise<{ status: number; body: ReadinessBody }> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as ReadinessBody };
  } catch {
    return { status: 0, body: UNANSWERED };
  }
}
