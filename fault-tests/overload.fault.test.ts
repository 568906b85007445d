import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { grpcClients, unary } from "../contract-tests/support/grpc-clients.js";
import { scrape, valueOf } from "../contract-tests/support/prometheus-text.js";
import { retryAfterMs } from "../src/adapters/http-client/retry-after.js";
import { byProfile, SEED } from "./support/fault-profile.js";
import type { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { GarbageGenerator } from "./support/garbage.js";
import { auditFigures } from "./support/invariant-audit.js";
import { startFaultStack, type FaultStack } from "./support/fault-stack.js";
import { answerProblem } from "./support/judge-answer.js";
import { sendGrpc, sendHttp } from "./support/raw-clients.js";
import { round1, scenarioRandom } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream } from "./support/wms-stream.js";

const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const MAX_CONCURRENT_BATCHES = 4;

describe("fault: overload — bodies over the limit and bursts beyond capacity", function () {
  this.timeout(byProfile(240_000, 600_000));
  let stack: FaultStack;
  let service: FaultService;

  before(async () => {
    stack = await startFaultStack("fault_overload", { MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES), WMS_MAX_CONCURRENT_BATCHES: String(MAX_CONCURRENT_BATCHES) });
    service = stack.service;
  });
  after(async () => {
    await stack?.stop();
  });

  it("refuses bodies over the size limit with 413 / ResourceExhausted, on every transport, declared or streamed", async () => {
    const generator = new GarbageGenerator(scenarioRandom(SEED, "oversized"), MAX_REQUEST_BYTES);
    const answers: Record<string, number> = {};
    const problems: string[] = [];
    for (let i = 0; i < byProfile(40, 200); i++) {
      const request = generator.oversized();
      const answer = await sendHttp(service.baseUrl, request, i % 2 === 1);
      answers[answer.status] = (answers[answer.status] ?? 0) + 1;
      const problem = answerProblem(request, answer) ?? (answer.status === 413 || answer.status === 429 ? undefined : `HTTP ${answer.status}`);
      if (problem) problems.push(`${request.path} ${i % 2 ? "streamed" : "declared"}: ${problem}`);
    }
    const big = Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x0a);
    const grpcAnswer = await sendGrpc(service.grpcAddress, {
      category: "oversized",
      transport: "grpc",
      method: "POST",
      path: "/invsync.wms.v1.WmsSyncService/SyncInventory",
      headers: { "content-type": "application/grpc" },
      body: Buffer.concat([Buffer.from([0, ...u32(big.length)]), big]),
      expect: "refused",
    });
    recordFigures("overload-size", { requests: byProfile(40, 200), answers: JSON.stringify(answers), grpc: `${grpcAnswer.grpcStatus} ${grpcAnswer.grpcMessage}`, wrongAnswers: problems, crashes: service.crashes.length });
    assert.deepEqual(problems, []);
    assert.equal(grpcAnswer.grpcStatus, grpc.status.RESOURCE_EXHAUSTED, grpcAnswer.grpcMessage);
    assert.deepEqual(service.crashes, []);
  });

  it("answers a burst beyond capacity at once with 429 / ResourceExhausted and Retry-After, never with timeouts, and loses nothing", async () => {
    const sources = planStream("burst", { sources: 8, batchesPerSource: byProfile(4, 25), minBatch: byProfile(1000, 2000), maxBatch: byProfile(3000, 5000), skus: 20_000, seed: SEED });
    const feed = new WmsFeed(service.baseUrl, sources, { inFlightPerSource: 6, resendShare: 0, seed: SEED, attemptTimeoutMs: 60_000, maxBackoffMs: 1000 });
    const clients = grpcClients(service.grpcAddress);
    const rssBefore = service.rssMiB();
    const refusedBefore = valueOf(await scrape(service.baseUrl), OVERLOADED_SERIES);
    const [, grpcAnswers] = await Promise.all([feed.run(), grpcBurst(clients.wms, byProfile(24, 96))]);
    clients.close();
    const audit = await stack.audit(sources);
    const refusals = feed.attempts.filter((a) => a.status === 429);
    const slowestRefusalMs = Math.max(0, ...refusals.map((a) => a.ms));
    const withoutRetryAfter = refusals.filter((a) => retryAfterMs(a.retryAfter, a.at) === undefined);
    // The counter counts every overload refusal: the HTTP gate's 429s and gRPC's RESOURCE_EXHAUSTED.
    const refusedMetric = valueOf(await scrape(service.baseUrl), OVERLOADED_SERIES) - refusedBefore;
    const refusedSeen = refusals.length + (grpcAnswers.RESOURCE_EXHAUSTED ?? 0);
    recordFigures("overload-burst", {
      concurrentSenders: 8 * 6,
      limit: MAX_CONCURRENT_BATCHES,
      answers: JSON.stringify(feed.tally.statuses),
      refusalCodes: JSON.stringify(feed.tally.refusalCodes),
      slowestRefusalMs,
      timeouts: feed.tally.timeouts,
      grpcAnswers: JSON.stringify(grpcAnswers),
      retryAfter: JSON.stringify(countBy(refusals.map((a) => String(a.retryAfter)))),
      refusedMetric,
      refusedSeen,
      rssMiB: { before: round1(rssBefore), peak: service.peakRssMiB },
      updatesAcknowledged: feed.tally.acknowledgedUpdates,
      ...auditFigures(audit),
    });
    assert.ok(refusals.length > 0, "the burst went beyond capacity");
    assert.deepEqual(withoutRetryAfter.map((a) => a.retryAfter), [], "every 429 carried a positive Retry-After");
    assert.ok(refusedMetric > 0, "the refusal counter moved");
    assert.equal(refusedMetric, refusedSeen, `${OVERLOADED_SERIES} counted the 429s and RESOURCE_EXHAUSTED answers the clients saw`);
    assert.deepEqual(Object.keys(feed.tally.statuses).filter((s) => s !== "200" && s !== "429"), [], "only acknowledgements and 429s");
    assert.equal(feed.tally.timeouts, 0);
    assert.deepEqual(Object.keys(grpcAnswers).filter((s) => s !== "OK" && s !== "RESOURCE_EXHAUSTED"), [], "gRPC: only OK and RESOURCE_EXHAUSTED");
    assert.deepEqual(feed.tally.unexpected, []);
    assert.deepEqual(audit.violations, []);
    assert.deepEqual(service.crashes, []);
    assert.ok(service.peakRssMiB < rssBefore + 400, `memory stays bounded under the burst: peak ${service.peakRssMiB} MiB from ${round1(rssBefore)} MiB`);
  });
});

const OVERLOADED_SERIES = 'invsync_wms_requests_refused_total{code="WMS.OVERLOADED"}';

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** `calls` SyncInventory calls at once over gRPC, each a valid batch of 3,000 updates; answers by status name. */
async function grpcBurst(client: grpc.Client, calls: number): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  const observedAt = { seconds: String(Math.floor(Date.now() / 1000) - 5), nanos: 0 };
  await Promise.all(
    Array.from({ length: calls }, async (_, c) => {
      const updates = Array.from({ length: 3000 }, (_, i) => ({ wmsId: "burst-grpc", sequence: String(c * 3000 + i + 1), sku: `SKU-GRPC-${i % 500}`, quantity: i, status: "COUNTED", locationId: "DC-GRPC", observedAt }));
      try {
        await unary(client, "syncInventory", { batchId: `grpc-burst-${c}`, updates });
        answers.OK = (answers.OK ?? 0) + 1;
      } catch (error) {
        const name = grpc.status[(error as grpc.ServiceError).code] ?? String((error as grpc.ServiceError).code);
        answers[name] = (answers[name] ?? 0) + 1;
      }
    }),
  );
  return answers;
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
