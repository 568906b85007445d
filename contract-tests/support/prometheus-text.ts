/** Samples of a Prometheus text exposition, by series (`name{labels}` exactly as written). */
export type Samples = ReadonlyMap<string, number>;

/** Parses the sample lines of a `/metrics` answer (comments skipped). */
export function parseSamples(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Scrapes `<baseUrl>/metrics`. */
export async function scrape(baseUrl: string): Promise<Samples> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseSamples(await response.text());
}

/** The value of `series` (0 when absent, as a counter that never moved). */
export function valueOf(samples: Samples, series: string): number {
  return samples.get(series) ?? 0;
}
