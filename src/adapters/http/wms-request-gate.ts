import type { IngestionControl } from "../../wms-ingestion/application/ingestion-control.js";
import { INGESTION_PAUSED } from "../../wms-ingestion/application/ingestion-control.js";
import { InventorySyncError, UnauthenticatedError, UnavailableError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { toConnectError } from "../rpc/error-mapping.js";
import { WMS_OVERLOADED, type WmsWriteLimit } from "../rpc/wms-write-limit.js";
import type { HttpRequest, HttpResponse } from "./http-types.js";
import { sendError } from "./json-response.js";
import { keepBody, readBodyBytes } from "./request-body.js";
import { checkSignature, SIGNATURE_HEADER, type SigningKeys } from "./wms-signature.js";

/** Runs before Connect and the REST aliases; answers (and returns true) to stop a request there. */
export type RequestGate = (req: HttpRequest, res: HttpResponse) => Promise<boolean>;

/** Settings of {@link wmsRequestGate}. */
export interface WmsGateSettings {
  /** False only for local development (`WMS_SIGNATURE_REQUIRED=false`). */
  readonly signatureRequired: boolean;
  readonly keys: SigningKeys;
  readonly toleranceMs: number;
  readonly maxBodyBytes: number;
  /** Retry-After sent while ingestion is paused. */
  readonly retryAfterSeconds: number;
  /** Remembers a signature; false when it was seen before (shared by every replica). */
  readonly remember: (signature: string) => Promise<boolean>;
  /** Told the code of every refusal (metrics). */
  readonly refused: (code: string) => void;
  /** Admission control: how many WMS writes may be in progress at once. */
  readonly limit: WmsWriteLimit;
}

/** The WMS-facing paths: the REST alias and every WMS contract's Connect service. */
export function isWmsPath(path: string): boolean {
  return path === "/inventory/sync" || path.startsWith("/invsync.wms.");
}

/**
 * The gate in front of WMS requests, before Connect parses anything:
 * 1. while ingestion is paused: 503 / Unavailable with Retry-After, body unread, nothing stored;
 * 2. a write slot is taken (see {@link WmsWriteLimit}), waiting for one with the body unread; beyond
 *    the queue: 429 / ResourceExhausted with Retry-After; the slot is held until the answer is sent;
 * 3. the body is read (bounded) so the HMAC covers the exact raw bytes, then handed on re-readable;
 * 4. the signature is checked (key, timestamp window, constant-time MAC) and remembered, so a
 *    replayed signature is refused by any replica. Refusals are 401 / Unauthenticated with a reason.
 */
export function wmsRequestGate(settings: WmsGateSettings, control: IngestionControl, logger: Logger): RequestGate {
  return async (req, res) => {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    if (req.method !== "POST" || !isWmsPath(path)) return false;
    try {
      const state = await control.state();
      if (state.paused) {
        res.setHeader("retry-after", String(settings.retryAfterSeconds));
        throw new UnavailableError(INGESTION_PAUSED, `WMS ingestion is paused by an operator (${state.reason}); nothing was stored, retry after ${settings.retryAfterSeconds} s`);
      }
      if (!(await admit(settings, req, res))) return true; // the caller went away while waiting: nobody to answer
      const body = await readBodyBytes(req, settings.maxBodyBytes);
      if (settings.signatureRequired) await verify(settings, req, body);
      keepBody(req, body);
      return false;
    } catch (error) {
      if (error instanceof InventorySyncError) {
        settings.refused(error.code);
        if (error.code === WMS_OVERLOADED) res.setHeader("retry-after", String(settings.limit.limits.retryAfterSeconds));
        if (error.kind === "unauthenticated") {
          logger.warn({ path, code: error.code, reason: error.message, requestId: req.headers["x-request-id"] }, "wms request refused: signature");
        }
      }
      sendError(res, toConnectError(error, logger, String(req.headers["x-request-id"] ?? "gate")));
      return true;
    }
  };
}

/**
 * Takes a write slot for `req`, waiting for one if need be (or throws `WMS.OVERLOADED`); given back
 * once the answer has gone out. False when the caller went away while waiting (it left the queue).
 */
async function admit(settings: WmsGateSettings, req: HttpRequest, res: HttpResponse): Promise<boolean> {
  const declared = Number(req.headers["content-length"] ?? 0);
  const gone = new AbortController();
  const leave = (): void => gone.abort();
  res.once("close", leave);
  let release: () => void;
  try {
    release = await settings.limit.acquire(Number.isFinite(declared) && declared > 0 ? Math.min(declared, settings.maxBodyBytes) : 0, gone.signal);
  } catch (error) {
    if (gone.signal.aborted && !(error instanceof InventorySyncError)) return false;
    throw error;
  } finally {
    res.off("close", leave);
  }
  if (res.closed) release(); // closed between the admission and here
  else res.once("close", release);
  return true;
}

async function verify(settings: WmsGateSettings, req: HttpRequest, body: Buffer): Promise<void> {
  if (settings.keys.size === 0) {
    throw new UnauthenticatedError(
      "WMS.SIGNING_NOT_CONFIGURED",
      "this service has no WMS signing keys, so it accepts no WMS writes: set WMS_SIGNING_KEYS=<key id>:<secret> (or WMS_SIGNATURE_REQUIRED=false for local development only)",
    );
  }
  const header = req.headers[SIGNATURE_HEADER];
  const check = checkSignature(Array.isArray(header) ? header[0] : header, body, settings.keys, Date.now(), settings.toleranceMs);
  if (!check.ok) throw new UnauthenticatedError(check.code, check.reason);
  if (!(await settings.remember(check.signature))) {
    throw new UnauthenticatedError("WMS.SIGNATURE_REPLAYED", "this signature was already used; sign each request (and each retry) anew");
  }
}
