import type { RawUpdate } from "../../wms-ingestion/application/raw-update.js";
import type { PullRange, WmsFeed } from "../../wms-ingestion/application/wms-pull.js";
import { arrayElementSpans } from "../../shared/json-spans.js";
import { getWmsJsonText, WmsFeedError, type WmsCallSettings } from "./retried-json-get.js";

/** Where and how to pull from the WMS. */
export interface HttpWmsFeedSettings extends WmsCallSettings {
  /** The pull endpoint, for example `https://wms.example/api/stock-feed`. */
  readonly url: string;
  /** The contract the endpoint answers in (`wms.v1` or `wms.v2`). */
  readonly schemaVersion: string;
}

/**
 * {@link WmsFeed} over HTTP: `GET <url>?wms_id=…&after_sequence=…&limit=…[&to_sequence=…]
 * [&from_time=…][&to_time=…]` answering `{"updates": [ … ]}`, each update in the JSON of the
 * configured contract, in ascending sequence order; each update keeps its text as the WMS wrote it,
 * for legacy. Network errors, timeouts, 429 and 5xx are
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
    const { json: body, text } = await getWmsJsonText(url, this.settings, this.sleep);
    const updates = (body as { updates?: unknown } | null)?.updates;
    if (!Array.isArray(updates)) throw new WmsFeedError(`WMS pull answer from ${url.origin} has no "updates" array`);
    // Legacy is handed each update as the WMS wrote it: its text, sliced out of the answer.
    const spans = arrayElementSpans(text, "updates");
    if (spans?.length !== updates.length) return updates.map((json) => ({ json }));
    return updates.map((json, i) => ({ json, received: { form: "json", text: spans[i]! } }));
  }
}
