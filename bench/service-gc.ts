/**
 * The service's garbage-collection pauses so far, from its own Prometheus metrics
 * (`invsync_nodejs_gc_duration_seconds`, prom-client's default GC histogram: main-thread pause
 * time per kind). Work V8's helper threads do in the background is not in it; see
 * `threadCpuSeconds` for that.
 */
export interface GcPauses {
  /** Scavenges of the young generation, seconds. */
  readonly minor: number;
  /** Mark-compact of the whole heap, with its incremental marking steps, seconds. */
  readonly major: number;
}

const SUM = /^invsync_nodejs_gc_duration_seconds_sum\{(?:[^}]*,)?kind="([a-z]+)"[^}]*\}\s+(\S+)$/;

/** The pause seconds per kind in a Prometheus text exposition; a kind not in it counts 0. */
export function gcPauses(metricsText: string): GcPauses {
  const byKind = new Map<string, number>();
  for (const line of metricsText.split("\n")) {
    const match = SUM.exec(line.trim());
    if (match) byKind.set(match[1]!, (byKind.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return { minor: byKind.get("minor") ?? 0, major: (byKind.get("major") ?? 0) + (byKind.get("incremental") ?? 0) };
}

/** The service's pauses so far, read from its `/metrics`. */
export async function readGcPauses(baseUrl: string): Promise<GcPauses> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}`);
  return gcPauses(await response.text());
}
