import http from "node:http";
import type { AddressInfo } from "node:net";

/** One update of a legacy feed POST, as the forwarder sends it. */
export interface ForwardedUpdate {
  readonly feedId: string;
  readonly path: string;
  readonly schemaVersion: string;
  /** What `payload` is: `json`, `proto-json`, `csv` or `inbox-json` (docs/migration.md, legacy hand-off). */
  readonly payloadForm: string;
  readonly payload: Record<string, unknown>;
}

/**
 * How the fake answers a request: a status, `"drop"` (the connection is cut before the body is
 * read: a lost request, nothing taken in) or `"accept-then-drop"` (the body is read and taken in,
 * then the connection is cut: a lost answer).
 */
export type LegacyAnswer = { readonly status: number } | "drop" | "accept-then-drop";

/** One request the fake got, with what it answered. */
export interface LegacyRequest {
  /** Undefined for a `"drop"`: its body was never read. */
  readonly version: string | undefined;
  /** Empty for a `"drop"`: its body was never read. */
  readonly updates: readonly ForwardedUpdate[];
  /** The body exactly as received (UTF-8); undefined for a `"drop"`. */
  readonly rawBody: string | undefined;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  /** The request's path (`/feed`): which URL the sender was configured with. */
  readonly path: string;
  /** True when the fake took the updates in (2xx, or `accept-then-drop`). */
  readonly accepted: boolean;
  readonly answer: LegacyAnswer;
}

/**
 * A stand-in for legacy's feed endpoint over real HTTP (not one of our servers): `POST /feed`
 * takes `{"version", "updates": [...]}`. It answers `script` entries first, one per request, then
 * `steady` (200 unless a test sets another), and keeps every request with its answer.
 */
export class FakeLegacy {
  readonly requests: LegacyRequest[] = [];
  /** Answers for the next requests, in order. */
  readonly script: LegacyAnswer[] = [];
  /** The answer once the script is used up. */
  steady: LegacyAnswer = { status: 200 };

  private constructor(private readonly server: http.Server) {}

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(): Promise<FakeLegacy> {
    let fake: FakeLegacy | undefined;
    // A body that is not JSON (or a read that fails) must not be an unhandled rejection: cut the connection.
    const server = http.createServer((req, res) => void fake!.answer(req, res).catch(() => req.socket.destroy()));
    fake = new FakeLegacy(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** The endpoint to configure as LEGACY_FORWARD_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/feed`;
  }

  /** Every update legacy took in, in arrival order (a redelivered one appears again). */
  get taken(): ForwardedUpdate[] {
    return this.requests.filter((r) => r.accepted).flatMap((r) => r.updates);
  }

  /** Stops the server. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const answer = this.script.shift() ?? this.steady;
    const seen = { path: new URL(req.url ?? "/", "http://fake").pathname, authorization: req.headers.authorization, contentType: req.headers["content-type"], answer };
    if (answer === "drop") {
      req.socket.destroy();
      this.requests.push({ ...seen, version: undefined, updates: [], rawBody: undefined, accepted: false });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const body = JSON.parse(rawBody) as { version: string; updates: ForwardedUpdate[] };
    const accepted = answer === "accept-then-drop" || (answer.status >= 200 && answer.status < 300);
    this.requests.push({ ...seen, ...body, rawBody, accepted });
    if (answer === "accept-then-drop") req.socket.destroy();
    else res.writeHead(answer.status, { "content-type": "text/plain" }).end(`legacy says ${answer.status}`);
  }
}
