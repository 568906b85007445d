import assert from "node:assert/strict";
import { NATS_URL, testStream, type TestStream } from "../contract-tests/support/test-servers.js";
import { byProfile, SEED } from "./support/fault-profile.js";
import { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { auditFigures, auditInvariants } from "./support/invariant-audit.js";
import { PrivatePostgres } from "./support/private-postgres.js";
import { readiness } from "./support/readiness.js";
import { ReservationFeed } from "./support/reservation-feed.js";
import { recoveryMs, sleep, until } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream } from "./support/wms-stream.js";

describe("fault: PostgreSQL restarted under load", function () {
  this.timeout(byProfile(240_000, 600_000));
  const downMs = byProfile(3_000, 15_000);
  let postgres: PrivatePostgres;
  let databaseUrl: string;
  let stream: TestStream;
  let service: FaultService;

  before(async () => {
    postgres = await PrivatePostgres.start();
    databaseUrl = await postgres.createDatabase("invsync_fault_pg");
    stream = testStream("fault_pg");
    service = await FaultService.start({ databaseUrl, natsUrl: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix });
  });
  after(async () => {
    await service?.stop();
    await stream?.delete();
    postgres?.destroy();
  });

  it("reports not-ready and refuses writes while the database is down, loses none, and recovers by itself", async () => {
    const sources = planStream("pg", { sources: 4, batchesPerSource: 1000, minBatch: 200, maxBatch: 800, skus: 5000, seed: SEED });
    const feed = new WmsFeed(service.baseUrl, sources, { inFlightPerSource: 1, resendShare: 0.05, seed: SEED, paceMs: 250 });
    const reservations = new ReservationFeed(service.baseUrl, "pg", { clients: 2, hotSkus: 40, seed: SEED });
    const feeding = feed.run();
    const reserving = reservations.run();
    await sleep(byProfile(3_000, 10_000));

    const stoppedAt = Date.now();
    await postgres.stop();
    const probes: Array<{ status: number; ms: number }> = [];
    while (Date.now() - stoppedAt < downMs) {
      const started = Date.now();
      const probe = await readiness(service.baseUrl);
      probes.push({ status: probe.status, ms: Date.now() - started });
      await sleep(200);
    }
    await postgres.startServer();
    const startedAt = Date.now();
    await until("the service to be ready again", async () => (await readiness(service.baseUrl)).status === 200, 60_000);
    const readyAfterMs = Date.now() - startedAt;
    await sleep(byProfile(3_000, 5_000));
    feed.stop();
    reservations.stop();
    await Promise.all([feeding, reserving]);

    const duringOutage = feed.attempts.filter((a) => a.at >= stoppedAt && a.at + a.ms <= startedAt);
    const refused = duringOutage.filter((a) => a.status !== 200);
    const audit = await auditInvariants({ databaseUrl, natsUrl: NATS_URL, stream: stream.stream, sources: feed.deliveredSources(), reservations: reservations.tally });
    recordFigures("postgres-restart", {
      downSeconds: downMs / 1000,
      readinessWhileDown: JSON.stringify(countBy(probes.map((p) => p.status))),
      wmsAnswersWhileDown: JSON.stringify(countBy(refused.map((a) => a.status))),
      slowestAnswerWhileDownMs: Math.max(0, ...duringOutage.map((a) => a.ms)),
      readyAfterDatabaseStartMs: readyAfterMs,
      recoveryMs: recoveryMs(feed.attempts, startedAt) ?? "none",
      updatesAcknowledged: feed.tally.acknowledgedUpdates,
      peakRssMiB: service.peakRssMiB,
      ...auditFigures(audit),
    });
    assert.ok(probes.some((p) => p.status === 503), "readiness said not ready while the database was down");
    assert.ok(refused.length > 0 && refused.every((a) => a.status === 503), `WMS writes were refused with 503 while the database was down: ${JSON.stringify(countBy(refused.map((a) => a.status)))}`);
    assert.deepEqual(feed.tally.unexpected, []);
    assert.deepEqual(reservations.tally.unexpected, []);
    assert.deepEqual(audit.violations, []);
    assert.deepEqual(service.crashes, []);
  });
});

function countBy(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
