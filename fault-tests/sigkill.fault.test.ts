import assert from "node:assert/strict";
import { byProfile, SEED } from "./support/fault-profile.js";
import type { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { auditFigures } from "./support/invariant-audit.js";
import { startFaultStack, type FaultStack } from "./support/fault-stack.js";
import { ReservationFeed } from "./support/reservation-feed.js";
import { recoveryMs, round1, scenarioRandom, sleep, until } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream } from "./support/wms-stream.js";

describe("fault: SIGKILL the service mid-batch, repeatedly, while the WMS retries", function () {
  this.timeout(byProfile(240_000, 900_000));
  let stack: FaultStack;
  let service: FaultService;

  before(async () => {
    stack = await startFaultStack("fault_kill");
    service = stack.service;
  });
  after(async () => {
    await stack?.stop();
  });

  it("loses no acknowledged update or reservation, applies nothing twice, and publishes every event once, in order", async () => {
    const kills = byProfile(3, 10);
    const sources = planStream("kill", { sources: 4, batchesPerSource: byProfile(12, 50), minBatch: 200, maxBatch: 2000, skus: 5000, seed: SEED });
    const feed = new WmsFeed(service.baseUrl, sources, { inFlightPerSource: 2, resendShare: 0.1, seed: SEED });
    const reservations = new ReservationFeed(service.baseUrl, "kill", { clients: 4, hotSkus: 40, seed: SEED });
    const random = scenarioRandom(SEED, "kill");
    const started = Date.now();
    let feeding = true;
    const fed = feed.run().finally(() => (feeding = false));
    const reserving = reservations.run();

    const done: Array<{ at: number; inFlight: number; restartMs: number }> = [];
    while (done.length < kills && feeding) {
      await sleep(500 + random() * 2000);
      await until("a batch in flight", () => feed.inFlight > 0 || !feeding);
      if (!feeding) break;
      const at = Date.now();
      const inFlight = feed.inFlight;
      await service.kill();
      await service.restart();
      done.push({ at, inFlight, restartMs: Date.now() - at });
    }
    await fed;
    reservations.stop();
    await reserving;
    const loadSeconds = (Date.now() - started) / 1000;

    const audit = await stack.audit(sources, reservations.tally);
    const recoveries = done.map((kill) => recoveryMs(feed.attempts, kill.at) ?? Number.NaN);
    recordFigures("sigkill", {
      kills: done.length,
      killsWithBatchesInFlight: done.filter((k) => k.inFlight > 0).length,
      batches: { planned: sources.reduce((n, s) => n + s.batches.length, 0), resent: feed.tally.resends, attempts: feed.tally.attempts, answers: JSON.stringify(feed.tally.statuses) },
      updatesAcknowledged: feed.tally.acknowledgedUpdates,
      reservationsReleased: reservations.tally.released.size,
      restartMs: done.map((k) => k.restartMs),
      recoveryMs: recoveries,
      loadSeconds: round1(loadSeconds),
      peakRssMiB: service.peakRssMiB,
      ...auditFigures(audit),
    });
    assert.ok(done.length > 0, "the service was killed at least once");
    assert.deepEqual(feed.tally.unexpected, [], "a good batch was refused");
    assert.deepEqual(reservations.tally.unexpected, [], "a reservation call was refused unexpectedly");
    assert.deepEqual(audit.violations, []);
    assert.deepEqual(service.crashes, [], "the service exited by itself");
  });
});
