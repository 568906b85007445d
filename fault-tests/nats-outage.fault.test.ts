import assert from "node:assert/strict";
import { PrivateNats } from "../contract-tests/support/private-nats.js";
import { createTestDatabase, testStream, type TestDatabase, type TestStream } from "../contract-tests/support/test-servers.js";
import { byProfile, SEED } from "./support/fault-profile.js";
import { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { auditFigures, auditInvariants } from "./support/invariant-audit.js";
import { backlogDrained, readiness } from "./support/readiness.js";
import { round1, sleep, until } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream } from "./support/wms-stream.js";

describe("fault: NATS stopped under load, then started again", function () {
  this.timeout(byProfile(240_000, 600_000));
  const outageMs = byProfile(5_000, 30_000);
  let nats: PrivateNats;
  let database: TestDatabase;
  let stream: TestStream;
  let service: FaultService;

  before(async () => {
    nats = await PrivateNats.start();
    database = await createTestDatabase("fault_nats");
    stream = testStream("fault_nats");
    service = await FaultService.start({ databaseUrl: database.url, natsUrl: nats.url, stream: stream.stream, subjectPrefix: stream.subjectPrefix });
    await until("the stream to be ready", async () => (await readiness(service.baseUrl)).body.nats.streamReady === true);
  });
  after(async () => {
    await service?.stop();
    await database?.drop();
    await nats?.destroy();
  });

  it("keeps accepting updates while NATS is down (events wait), then publishes every event once, in order", async () => {
    const sources = planStream("nats", { sources: 4, batchesPerSource: 1000, minBatch: 200, maxBatch: 800, skus: 5000, seed: SEED });
    const feed = new WmsFeed(service.baseUrl, sources, { inFlightPerSource: 1, resendShare: 0.05, seed: SEED, paceMs: 250 });
    const feeding = feed.run();
    await sleep(byProfile(3_000, 10_000));

    const acknowledgedBefore = feed.tally.acknowledgedUpdates;
    const stoppedAt = Date.now();
    await nats.stop();
    const readyWhileDown: number[] = [];
    let backlogPeak = 0;
    while (Date.now() - stoppedAt < outageMs) {
      const probe = await readiness(service.baseUrl);
      readyWhileDown.push(probe.status);
      backlogPeak = Math.max(backlogPeak, Number(probe.body.outbox.backlog ?? 0));
      await sleep(250);
    }
    const acknowledgedDuringOutage = feed.tally.acknowledgedUpdates - acknowledgedBefore;
    await nats.start();
    const restartedAt = Date.now();
    await until("the backlog to drain", async () => backlogDrained((await readiness(service.baseUrl)).body.outbox), 120_000);
    const drainMs = Date.now() - restartedAt;
    await sleep(byProfile(2_000, 5_000));
    feed.stop();
    await feeding;

    const audit = await auditInvariants({ databaseUrl: database.url, natsUrl: nats.url, stream: stream.stream, sources: feed.deliveredSources() });
    recordFigures("nats-outage", {
      outageSeconds: round1(outageMs / 1000),
      updatesAcknowledged: feed.tally.acknowledgedUpdates,
      updatesAcknowledgedDuringOutage: acknowledgedDuringOutage,
      answers: JSON.stringify(feed.tally.statuses),
      readyWhileNatsDown: readyWhileDown.every((status) => status === 200) ? "yes" : `no (${readyWhileDown.filter((s) => s !== 200).length} of ${readyWhileDown.length} probes not ready)`,
      backlogPeak,
      recoveryMs: drainMs,
      peakRssMiB: service.peakRssMiB,
      ...auditFigures(audit),
    });
    assert.ok(acknowledgedDuringOutage > 0, "updates were accepted while NATS was down");
    assert.ok(backlogPeak > 0, "events waited in the outbox");
    assert.deepEqual(readyWhileDown.filter((status) => status !== 200), [], "NATS down does not make the service unready");
    assert.deepEqual(feed.tally.unexpected, []);
    assert.deepEqual(audit.violations, []);
    assert.deepEqual(service.crashes, []);
  });
});
