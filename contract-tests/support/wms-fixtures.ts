/** Builders for WMS v1 payloads in their JSON form, as a WMS sends them. */

/** One v1 update as JSON. */
export interface WmsUpdateJson {
  wmsId?: string;
  sequence?: string | number;
  sku?: string;
  quantity?: number;
  status?: string;
  locationId?: string;
  observedAt?: string;
  [extra: string]: unknown;
}

/** A good v1 update for `sku` at `sequence`, overridable field by field. */
export function wmsUpdate(sku: string, sequence: number, quantity: number, overrides: WmsUpdateJson = {}): WmsUpdateJson {
  return {
    wmsId: "wms-a",
    sequence: String(sequence),
    sku,
    quantity,
    status: "COUNTED",
    observedAt: new Date(Date.now() - 1000).toISOString(),
    ...overrides,
  };
}

/** A v1 batch as JSON. */
export function syncBatch(batchId: string, updates: WmsUpdateJson[]): { batchId: string; updates: WmsUpdateJson[] } {
  return { batchId, updates };
}

/** POSTs JSON to `url` and returns the status and the parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** GETs `url` and returns the status and the parsed body. */
export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
