import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CallFailedError, type FailedAttempt } from "../../shared/retries.js";
import { retriedFetch, type HttpCallSettings } from "./retried-fetch.js";

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A local server answering each request with the next of `answers` (the last one repeats). */
async function scriptedServer(answers: Answer[]): Promise<{ url: URL; requests: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    req.resume();
    answers[Math.min(requests.length, answers.length) - 1]!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`),
    requests,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const status = (code: number, headers: Record<string, string> = {}): Answer => (_req, res) => void res.writeHead(code, headers).end(`status ${code}`);
const drop: Answer = (req) => req.socket.destroy();
const settings: HttpCallSettings = { authHeader: ["authorization", "Bearer s3cret"], maxAttempts: 4, timeoutMs: 300, backoffMs: 10 };

describe("retriedFetch (a local HTTP server)", () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  beforeEach(() => void (waits.length = 0));

  it("retries 503, a dropped connection and 429 (honouring Retry-After), then returns the answer and the attempts", async () => {
    const server = await scriptedServer([status(503), drop, status(429, { "retry-after": "7" }), status(200)]);
    const failures: FailedAttempt[] = [];
    try {
      const result = await retriedFetch(server.url, { method: "POST", body: "{}" }, settings, (r) => r.text(), { peer: "peer", sleep, attemptFailed: (f) => failures.push(f) });
      assert.deepEqual(result, { value: "status 200", attempts: 4 });
      assert.deepEqual(failures.map((f) => [f.attempt, f.kind, f.status]), [[1, "server_error", 503], [2, "network", undefined], [3, "throttled", 429]]);
      assert.equal(waits[2], 7000, "Retry-After wins over the backoff");
      assert.ok(waits[0]! >= 5 && waits[0]! <= 10 && waits[1]! >= 10 && waits[1]! <= 20, `backoff doubles with jitter: ${waits}`);
      assert.ok(server.requests.every((h) => h.authorization === "Bearer s3cret"), "the auth header goes with every attempt");
      assert.ok(failures.every((f) => !f.message.includes("s3cret")), "and never into a message");
    } finally {
      await server.close();
    }
  });

  it("refuses a 4xx at once (rejected, no retry) and does not follow a redirect it was told not to", async () => {
    for (const [answer, code] of [[status(400), 400], [status(302, { location: "/elsewhere" }), 302]] as const) {
      const server = await scriptedServer([answer, status(200)]);
      try {
        const call = retriedFetch(server.url, { method: "POST", body: "{}", redirect: "manual" }, settings, (r) => r.text(), { peer: "peer", sleep });
        await assert.rejects(call, (error: unknown) => {
          assert.ok(error instanceof CallFailedError);
          assert.deepEqual([error.failure.kind, error.failure.status, error.failure.attempt, error.retryable], ["rejected", code, 1, false]);
          assert.match(error.message, new RegExp(`^peer answered ${code}: status ${code}$`));
          return true;
        });
        assert.equal(server.requests.length, 1);
      } finally {
        await server.close();
      }
    }
  });

  it("gives up after maxAttempts timeouts, naming the last failure and the attempts", async () => {
    const server = await scriptedServer([() => undefined]);
    try {
      await assert.rejects(retriedFetch(server.url, {}, { ...settings, maxAttempts: 2 }, (r) => r.text(), { peer: "peer", sleep }), (error: unknown) => {
        assert.ok(error instanceof CallFailedError);
        assert.deepEqual([error.failure.kind, error.failure.attempt, error.failure.retryInMs, error.retryable], ["timeout", 2, undefined, true]);
        assert.match(error.message, /^peer request failed: .* \(after 2 attempts\)$/);
        return true;
      });
      assert.equal(server.requests.length, 2);
    } finally {
      await server.close();
    }
  });

  it("stops retrying once its signal is aborted", async () => {
    const server = await scriptedServer([status(503)]);
    const stop = new AbortController();
    try {
      const call = retriedFetch(server.url, {}, { ...settings, backoffMs: 60_000 }, (r) => r.text(), { peer: "peer", signal: stop.signal });
      setTimeout(() => stop.abort(), 100);
      await assert.rejects(call, (error: unknown) => error instanceof Error && error.name === "AbortError");
      assert.equal(server.requests.length, 1, "aborted in the wait, no further attempt");
    } finally {
      await server.close();
    }
  });
});
