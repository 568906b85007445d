import { CallFailedError } from "../../shared/retries.js";
import { retriedFetch, type HttpCallSettings } from "../http-client/retried-fetch.js";

/** How to call the WMS: auth header, attempts, timeout, backoff. */
export type WmsCallSettings = HttpCallSettings;

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
  return (await getWmsJsonText(url, settings, sleep)).json;
}

/** {@link getWmsJson}, with the answer's text as received as well (the parsed value and the text it came from). */
export async function getWmsJsonText(url: URL, settings: WmsCallSettings, sleep: (ms: number) => Promise<void>): Promise<{ json: unknown; text: string }> {
  const read = async (response: Response) => {
    const text = await response.text();
    return { json: JSON.parse(text) as unknown, text };
  };
  try {
    const { value } = await retriedFetch(url, { headers: { accept: "application/json" } }, settings, read, { peer: "WMS", sleep });
    return value;
  } catch (error) {
    throw error instanceof CallFailedError ? new WmsFeedError(error.message) : error;
  }
}
