import type { DeliveryHooks, LegacyEndpoint } from "../../migration/application/legacy-endpoint.port.js";
import type { LegacyFeedEntry } from "../../migration/application/legacy-feed-queue.port.js";
import { retriedFetch, type HttpCallSettings } from "../http-client/retried-fetch.js";

/** The version of the POST body's shape (see {@link legacyFeedRequestBody}). */
export const LEGACY_FEED_VERSION = "invsync.legacy-feed.v1";

/** Where and how to POST the feed. */
export interface HttpLegacyEndpointSettings extends HttpCallSettings {
  /** Legacy's endpoint, for example `https://legacy.example/api/inventory-feed`. */
  readonly url: string;
}

/**
 * {@link LegacyEndpoint} over HTTP: one `POST <url>` per batch, `content-type: application/json`,
 * the body of {@link legacyFeedRequestBody}; any 2xx acknowledges the whole batch. Network errors,
 * timeouts, 429 and 5xx are retried (exponential backoff, jitter, `Retry-After`); any other answer
 * is a refusal, and so is a redirect (not followed: a POST must not turn into a GET elsewhere).
 */
export class HttpLegacyEndpoint implements LegacyEndpoint {
  private readonly url: URL;

  constructor(private readonly settings: HttpLegacyEndpointSettings) {
    this.url = new URL(settings.url);
  }

  async deliver(entries: readonly LegacyFeedEntry[], hooks: DeliveryHooks): Promise<number> {
    const init: RequestInit = { method: "POST", headers: { "content-type": "application/json" }, body: legacyFeedRequestBody(entries), redirect: "manual" };
    const { attempts } = await retriedFetch(this.url, init, this.settings, async (response) => void (await response.arrayBuffer()), {
      peer: "legacy endpoint",
      signal: hooks.signal,
      attemptFailed: (failure) => hooks.attemptFailed(failure),
    });
    return attempts;
  }
}

/**
 * The POST body: `{"version": "invsync.legacy-feed.v1", "updates": [{"feedId": "17", "path":
 * "legacy", "schemaVersion": "wms.v1", "payloadForm": "json", "payload": {…}}, …]}`, in feed-id
 * order. `feedId` is a string (a 64-bit id); `payload` is the WMS update as received, its stored
 * text written in unparsed (so a `json` payload is byte for byte what the WMS sent).
 */
export function legacyFeedRequestBody(entries: readonly LegacyFeedEntry[]): string {
  const updates = entries.map(
    (e) => `{"feedId":"${e.feedId}","path":${JSON.stringify(e.path)},"schemaVersion":${JSON.stringify(e.schemaVersion)},"payloadForm":${JSON.stringify(e.payloadForm)},"payload":${e.payloadJson}}`,
  );
  return `{"version":"${LEGACY_FEED_VERSION}","updates":[${updates.join(",")}]}`;
}
