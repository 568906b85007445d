import type { Delivered, DeliveryHooks, ForwardEndpoint } from "../../outbox/queue-forwarder.js";
import { retriedFetch, type HttpCallSettings } from "../http-client/retried-fetch.js";
import { SIGNATURE_HEADER, signatureHeader } from "../http/wms-signature.js";
import type { SyncEntry } from "../../reservations/application/reservation-sync-outbox.port.js";

/** Header naming the message a POST carries (its body says it too). */
export const MESSAGE_ID_HEADER = "x-invsync-message-id";

/** Where and how to POST reservation changes. */
export interface HttpReservationSyncSettings extends HttpCallSettings {
  readonly url: string;
  /** The signing key (id and secret) the WMS checks. */
  readonly keyId: string;
  readonly secret: string;
}

/** Longest acknowledgement kept. */
const MAX_ACK_CHARS = 2000;

/**
 * The WMS's endpoint for reservation changes over HTTP: one `POST <url>` per message,
 * `content-type: application/json`, the message's JSON as body, signed like the WMS's requests to
 * us (`X-Invsync-Signature: t=…,k=…,v1=<HMAC-SHA256 of "<t>.<body>">`, made anew per attempt) and
 * named in `X-Invsync-Message-Id`. A 2xx acknowledges it (its body, up to 2000 characters, is kept
 * as the acknowledgement); network errors, timeouts, 429 and 5xx are retried; any other answer is
 * a refusal, and so is a redirect (not followed).
 */
export class HttpReservationSyncEndpoint implements ForwardEndpoint<SyncEntry> {
  private readonly url: URL;

  constructor(private readonly settings: HttpReservationSyncSettings) {
    this.url = new URL(settings.url);
  }

  async deliver(entries: readonly SyncEntry[], hooks: DeliveryHooks): Promise<Delivered> {
    const [entry] = entries;
    if (!entry || entries.length !== 1) throw new Error(`the reservation sync POSTs one message at a time, got ${entries.length}`);
    const body = Buffer.from(entry.body, "utf8");
    const init: RequestInit = { method: "POST", headers: { "content-type": "application/json", [MESSAGE_ID_HEADER]: entry.messageId }, body, redirect: "manual" };
    const { value, attempts } = await retriedFetch(this.url, init, this.settings, async (response) => (await response.text()).slice(0, MAX_ACK_CHARS), {
      peer: "WMS reservation sync endpoint",
      signal: hooks.signal,
      attemptFailed: (failure) => hooks.attemptFailed(failure),
      attemptHeaders: () => ({ [SIGNATURE_HEADER]: signatureHeader(this.settings.keyId, this.settings.secret, Math.floor(Date.now() / 1000), body) }),
    });
    return { attempts, acknowledgement: value };
  }
}
