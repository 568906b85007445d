import http from "node:http";
import type { AddressInfo } from "node:net";
import { checkSignature, SIGNATURE_HEADER } from "../../src/adapters/http/wms-signature.js";

/** One reservation change as the WMS applied it. */
export interface AppliedChange {
  readonly messageId: string;
  readonly reservationId: string;
  readonly type: string;
  readonly body: Record<string, unknown>;
}

/**
 * A stand-in for the WMS's reservation sync endpoint over real HTTP, as a careful WMS behaves: it
 * checks each POST's signature (refusing a bad one with 401), applies each message once by its
 * `messageId` (a repeat is acknowledged again but applied no more; `duplicates` counts them), and
 * answers `{"accepted": "<messageId>"}`. `down` answers 503 (an outage); `refuse` answers 422 to
 * the messages it matches (a message the WMS cannot take).
 */
export class FakeWmsSyncReceiver {
  readonly applied: AppliedChange[] = [];
  readonly requests: number[] = [];
  duplicates = 0;
  badSignatures = 0;
  down = false;
  refuse: (body: Record<string, unknown>) => boolean = () => false;
  private readonly seen = new Set<string>();

  private constructor(
    private readonly server: http.Server,
    private readonly keys: ReadonlyMap<string, string>,
  ) {}

  /** Starts the fake on a free port of 127.0.0.1, checking signatures with `keys`. */
  static async start(keys: ReadonlyMap<string, string>): Promise<FakeWmsSyncReceiver> {
    let fake: FakeWmsSyncReceiver | undefined;
    const server = http.createServer((req, res) => void fake!.answer(req, res));
    fake = new FakeWmsSyncReceiver(server, keys);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** The URL to configure as WMS_RESERVATION_SYNC_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/reservations`;
  }

  /** The changes applied for `reservationId`, in the order applied. */
  changesOf(reservationId: string): string[] {
    return this.applied.filter((c) => c.reservationId === reservationId).map((c) => c.type);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    this.requests.push(Date.now());
    if (this.down) return void res.writeHead(503, { "content-type": "text/plain" }).end("WMS down for maintenance");
    const check = checkSignature(req.headers[SIGNATURE_HEADER] as string | undefined, raw, this.keys, Date.now(), 300_000);
    if (!check.ok) {
      this.badSignatures++;
      return void res.writeHead(401, { "content-type": "text/plain" }).end(check.reason);
    }
    const body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    if (this.refuse(body)) return void res.writeHead(422, { "content-type": "application/json" }).end(`{"error":"unknown order ${String(body.orderReference)}"}`);
    const messageId = String(body.messageId);
    if (this.seen.has(messageId)) this.duplicates++;
    else {
      this.seen.add(messageId);
      this.applied.push({ messageId, reservationId: String(body.reservationId), type: String(body.type), body });
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ accepted: messageId }));
  }
}
