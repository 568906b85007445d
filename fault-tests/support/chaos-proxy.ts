import http from "node:http";
import type { AddressInfo } from "node:net";

/** How the network in front of the service misbehaves. */
export interface ChaosSettings {
  /** Each request is held up to this long before it is forwarded, so concurrent requests overtake each other. */
  readonly maxDelayMs: number;
  /** Share of requests the network delivers twice: the same bytes, the same signature, at another moment. */
  readonly duplicateShare: number;
  readonly random: () => number;
}

/** What the proxy did. */
export interface ChaosTally {
  forwarded: number;
  duplicated: number;
  /** Answers the service gave the network's extra copies (which no WMS ever reads). */
  readonly duplicateAnswers: Record<string, number>;
}

/**
 * An HTTP proxy in front of the gateway that delays, reorders and duplicates requests as a bad
 * network does. The caller gets the answer to its own copy; a duplicate's answer is only counted.
 */
export class ChaosProxy {
  readonly tally: ChaosTally = { forwarded: 0, duplicated: 0, duplicateAnswers: {} };

  private constructor(
    private readonly server: http.Server,
    private readonly pending: Set<Promise<void>>,
  ) {}

  /** Starts the proxy on a free port in front of `target` (`http://host:port`). */
  static async start(target: string, settings: ChaosSettings): Promise<ChaosProxy> {
    const pending = new Set<Promise<void>>();
    let proxy: ChaosProxy | undefined;
    const server = http.createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const request = { method: req.method ?? "GET", url: `${target}${req.url ?? "/"}`, headers: forwardable(req.headers), body: Buffer.concat(chunks) };
        if (settings.random() < settings.duplicateShare) {
          proxy!.tally.duplicated++;
          const copy = (async () => {
            await hold(settings.random() * settings.maxDelayMs);
            const status = await forward(request).then((r) => r.status, () => 0);
            proxy!.tally.duplicateAnswers[status] = (proxy!.tally.duplicateAnswers[status] ?? 0) + 1;
          })();
          pending.add(copy);
          void copy.finally(() => pending.delete(copy));
        }
        await hold(settings.random() * settings.maxDelayMs);
        proxy!.tally.forwarded++;
        try {
          const answer = await forward(request);
          res.writeHead(answer.status, { "content-type": answer.type });
          res.end(answer.body);
        } catch {
          res.destroy();
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new ChaosProxy(server, pending);
    return proxy;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits for the duplicates still on their way, then stops. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface ForwardedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

async function forward(request: ForwardedRequest): Promise<{ status: number; type: string; body: Buffer }> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
  });
  return { status: response.status, type: response.headers.get("content-type") ?? "application/octet-stream", body: Buffer.from(await response.arrayBuffer()) };
}

function forwardable(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ["host", "connection", "content-length", "transfer-encoding", "keep-alive"].includes(name)) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
