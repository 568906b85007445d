import assert from "node:assert/strict";
import { ChaosProxy } from "./support/chaos-proxy.js";
import { byProfile, SEED } from "./support/fault-profile.js";
import type { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { auditFigures } from "./support/invariant-audit.js";
import { startFaultStack, type FaultStack } from "./support/fault-stack.js";
import { scenarioRandom } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream } from "./support/wms-stream.js";

describe("fault: the network duplicates and reorders batches from several concurrent senders", function () {
  this.timeout(byProfile(240_000, 600_000));
  let stack: FaultStack;
  let service: FaultService;
  let proxy: ChaosProxy;

  before(async () => {
    stack = await startFaultStack("fault_dup");
    service = stack.service;
    proxy = await ChaosProxy.start(service.baseUrl, { maxDelayMs: 400, duplicateShare: 0.25, random: scenarioRandom(SEED, "network") });
  });
  after(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  it("applies each update once, lets the newest sequence win whatever the arrival order, and refuses replayed copies", async () => {
    const sources = planStream("dup", { sources: 6, batchesPerSource: byProfile(15, 60), minBatch: 50, maxBatch: 600, skus: 1000, seed: SEED });
    const feed = new WmsFeed(proxy.url, sources, { inFlightPerSource: 4, resendShare: 0.15, seed: SEED });
    await feed.run();
    await proxy.close();

    const audit = await stack.audit(sources);
    recordFigures("duplicates-reordering", {
      senders: sources.length,
      batchesInFlightPerSender: 4,
      network: { forwarded: proxy.tally.forwarded, duplicated: proxy.tally.duplicated, duplicateAnswers: JSON.stringify(proxy.tally.duplicateAnswers) },
      wmsResends: feed.tally.resends,
      answers: JSON.stringify(feed.tally.statuses),
      updatesAcknowledged: feed.tally.acknowledgedUpdates,
      answeredDuplicate: feed.tally.duplicate,
      peakRssMiB: service.peakRssMiB,
      ...auditFigures(audit),
    });
    assert.ok(feed.tally.duplicate > 0 && feed.tally.stale > 0, "the stream carried duplicates and out-of-order updates");
    assert.ok((proxy.tally.duplicateAnswers["401"] ?? 0) > 0, "a replayed copy was refused");
    assert.deepEqual(feed.tally.unexpected, []);
    assert.deepEqual(audit.violations, []);
    assert.deepEqual(service.crashes, []);
  });
});
