import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the WMS's pull endpoint over real HTTP (not one of our own servers): it holds v2
 * records per source and serves `GET /feed?wms_id=…&after_sequence=…&limit=…[&to_sequence=…]
 * [&from_time=…][&to_time=…]` as `{"updates": [...]}` (a time window keeps the records whose
 * `eventTime` is at or after `from_time` and before `to_time`). `down` makes it answer 503 (an
 * outage); every request is counted.
 */
export class FakeWms {
  readonly records = new Map<string, Array<Record<string, unknown>>>();
  readonly requests: URL[] = [];
  down = false;
  /** Answers 503 to this many requests, then recovers (a blip to retry through). */
  failNext = 0;
  /** Milliseconds each answer waits before it is sent (a slow WMS: a backfill that takes a while). */
  delayMs = 0;
  authorization: string | undefined;
  /** The snapshot served at `/snapshot` (the WMS snapshot endpoint, see `snapshotUrl`), paged by `limit`. */
  snapshot: { takenAt: string; counts: Array<Record<string, unknown>> } | undefined;

  private constructor(private readonly server: http.Server) {}

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(): Promise<FakeWms> {
    let fake: FakeWms | undefined;
    const server = http.createServer((req, res) => fake!.answer(req, res));
    fake = new FakeWms(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** The pull URL to configure as WMS_PULL_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/feed`;
  }

  /** The snapshot URL to configure as WMS_SNAPSHOT_URL. */
  get snapshotUrl(): string {
    return this.url.replace(/\/feed$/, "/snapshot");
  }

  /** Adds receipts of `delta` for `sku` with sequences `from`..`to` of source `wmsId`, recorded at `eventTime(seqNo)` (a minute ago by default). */
  addReceipts(wmsId: string, sku: string, from: number, to: number, delta = 1, eventTime = (seqNo: number) => new Date(Date.now() - 60_000 + seqNo)): void {
    const list = this.records.get(wmsId) ?? [];
    for (let seqNo = from; seqNo <= to; seqNo++) {
      list.push({
        sourceSystem: wmsId,
        seqNo: String(seqNo),
        itemCode: sku,
        eventTime: eventTime(seqNo).toISOString(),
        movement: { movementType: "MOVEMENT_TYPE_RECEIPT", delta: String(delta) },
      });
    }
    this.records.set(wmsId, list);
  }

  /** Stops the server. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.delayMs > 0) {
      setTimeout(() => this.answerNow(req, res), this.delayMs);
      return;
    }
    this.answerNow(req, res);
  }

  private answerNow(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://fake");
    this.requests.push(url);
    this.authorization = req.headers.authorization;
    if (this.down || this.failNext > 0) {
      this.failNext = Math.max(0, this.failNext - 1);
      res.writeHead(503, { "content-type": "text/plain" }).end("WMS down for maintenance");
      return;
    }
    if (url.pathname === "/snapshot") {
      const offset = Number(url.searchParams.get("page_token") || "0");
      const limit = Number(url.searchParams.get("limit") ?? "100");
      const counts = this.snapshot?.counts.slice(offset, offset + limit) ?? [];
      const next = this.snapshot && offset + limit < this.snapshot.counts.length ? String(offset + limit) : "";
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ takenAt: this.snapshot?.takenAt, counts, nextPageToken: next }));
      return;
    }
    const after = BigInt(url.searchParams.get("after_sequence") ?? "0");
    const to = url.searchParams.has("to_sequence") ? BigInt(url.searchParams.get("to_sequence")!) : undefined;
    const limit = Number(url.searchParams.get("limit") ?? "100");
    const fromTime = Date.parse(url.searchParams.get("from_time") ?? "");
    const toTime = Date.parse(url.searchParams.get("to_time") ?? "");
    const inWindow = (eventTime: number) => (Number.isNaN(fromTime) || eventTime >= fromTime) && (Number.isNaN(toTime) || eventTime < toTime);
    const updates = (this.records.get(url.searchParams.get("wms_id") ?? "") ?? [])
      .filter((r) => BigInt(r.seqNo as string) > after && (to === undefined || BigInt(r.seqNo as string) <= to) && inWindow(Date.parse(r.eventTime as string)))
      .slice(0, limit);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ updates }));
  }
}
