import assert from "node:assert/strict";
import { byProfile, SEED } from "./support/fault-profile.js";
import type { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { GarbageGenerator, type GarbageRequest } from "./support/garbage.js";
import { auditFigures } from "./support/invariant-audit.js";
import { startFaultStack, type FaultStack } from "./support/fault-stack.js";
import { answerProblem } from "./support/judge-answer.js";
import { sendGrpc, sendHttp } from "./support/raw-clients.js";
import { round1, scenarioRandom, sleep } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream } from "./support/wms-stream.js";

const MAX_REQUEST_BYTES = 1024 * 1024;

describe("fault: malformed requests of every kind, interleaved with good traffic", function () {
  this.timeout(byProfile(240_000, 900_000));
  let stack: FaultStack;
  let service: FaultService;

  before(async () => {
    stack = await startFaultStack("fault_garbage", { MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES) });
    service = stack.service;
  });
  after(async () => {
    await stack?.stop();
  });

  it("answers every one with a 4xx or gRPC error and a reason, never crashes, keeps memory bounded, and applies the good traffic", async () => {
    const total = byProfile(1_000, 10_000);
    const generator = new GarbageGenerator(scenarioRandom(SEED, "garbage"), MAX_REQUEST_BYTES);
    const sources = planStream("garbage", { sources: 2, batchesPerSource: 10_000, minBatch: 100, maxBatch: 500, skus: 2000, seed: SEED });
    const feed = new WmsFeed(service.baseUrl, sources, { inFlightPerSource: 1, resendShare: 0.05, seed: SEED, paceMs: 100 });
    const feeding = feed.run();
    await sleep(1000);
    const rssAtStart = service.rssMiB();

    const problems = new Map<string, string[]>();
    const byCategory: Record<string, number> = {};
    const rssSamples: number[] = [];
    let sent = 0;
    let wrong = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      while (sent < total) {
        const n = sent++;
        const request = n % 50 === 49 ? generator.oversized() : generator.next();
        const answer = request.transport === "grpc" ? await sendGrpc(service.grpcAddress, request) : await sendHttp(service.baseUrl, request, n % 100 === 49);
        byCategory[request.category] = (byCategory[request.category] ?? 0) + 1;
        const problem = answerProblem(request, answer);
        if (problem) {
          wrong++;
          note(problems, request, `${problem} [at ${round1((Date.now() - started) / 1000)} s]`);
        }
        if (n % 100 === 0) rssSamples.push(service.rssMiB());
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const rssAtEnd = service.rssMiB();
    feed.stop();
    await feeding;

    const audit = await stack.audit(feed.deliveredSources());
    const half = rssSamples.slice(Math.floor(rssSamples.length / 2));
    recordFigures("malformed", {
      malformedRequests: total,
      categories: Object.keys(byCategory).length,
      perCategory: JSON.stringify(byCategory),
      wrongAnswers: wrong,
      crashes: service.crashes.length,
      rssMiB: { start: round1(rssAtStart), end: round1(rssAtEnd), maxSecondHalf: round1(Math.max(...half)), peak: service.peakRssMiB },
      goodBatches: feed.tally.acknowledgedBatches,
      updatesAcknowledged: feed.tally.acknowledgedUpdates,
      ...auditFigures(audit),
    });
    assert.deepEqual(Object.fromEntries(problems), {}, "every malformed request gets a clear refusal");
    assert.deepEqual(service.crashes, [], "the process never crashed");
    assert.ok(feed.tally.acknowledgedBatches > 0, "good traffic was applied meanwhile");
    assert.deepEqual(feed.tally.unexpected, []);
    assert.deepEqual(audit.violations, []);
    assert.ok(service.peakRssMiB < rssAtStart + 400, `memory stays bounded: peak ${service.peakRssMiB} MiB from ${round1(rssAtStart)} MiB at the start`);
  });
});

/** Counts each kind of wrong answer per category and request, with up to three examples. */
function note(problems: Map<string, string[]>, request: GarbageRequest, problem: string): void {
  const key = `${request.category} ${request.transport === "grpc" ? "gRPC" : request.method} ${request.path.slice(0, 80)}`;
  const list = problems.get(key) ?? [];
  if (list.length < 3) list.push(problem);
  problems.set(key, list);
}
