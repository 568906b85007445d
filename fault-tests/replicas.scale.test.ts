import assert from "node:assert/strict";
import { createTestDatabase, type TestDatabase } from "../contract-tests/support/test-servers.js";
import { byProfile, PROFILE, SEED } from "./support/fault-profile.js";
import { FaultService } from "./support/fault-service.js";
import { recordFigures } from "./support/figures.js";
import { auditFigures, auditInvariants } from "./support/invariant-audit.js";
import { NatsCluster } from "./support/nats-cluster.js";
import { round1, sleep } from "./support/scenario.js";
import { WmsFeed } from "./support/wms-feed.js";
import { planStream, type PlannedSource } from "./support/wms-stream.js";

const PARTITIONS = 16;
const HEARTBEAT_MS = 250;
const TTL_MS = 1500;

describe("scale: three replicas on one PostgreSQL and a 3-node JetStream cluster", function () {
  this.timeout(byProfile(300_000, 1_200_000));
  let cluster: NatsCluster;
  let database: TestDatabase;
  const replicas: Array<FaultService | undefined> = [];
  const token = `${Date.now().toString(36)}${process.pid}`;
  const stream = `SCALE_${token}`;
  const subjectPrefix = `s${token}.inventory`;

  before(async () => {
    cluster = await NatsCluster.start(3);
    database = await createTestDatabase("scale");
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica?.stop()));
    await cluster?.destroy();
    await database?.drop();
  });

  const startReplica = async (index: number) => {
    replicas[index] = await FaultService.start({
      databaseUrl: database.url,
      natsUrl: cluster.url,
      stream,
      subjectPrefix,
      env: {
        REPLICA_ID: `replica-${index + 1}`,
        NATS_STREAM_REPLICAS: "3",
        RELAY_PARTITIONS: String(PARTITIONS),
        RELAY_HEARTBEAT_MS: String(HEARTBEAT_MS),
        RELAY_LEASE_TTL_MS: String(TTL_MS),
        DATABASE_POOL_MAX: "6",
      },
    });
  };
  const live = () => replicas.filter((replica): replica is FaultService => replica !== undefined);
  /** A round-robin load balancer over the replicas running now. */
  let turn = 0;
  const balancer = () => {
    const running = live();
    return running[turn++ % running.length]!.baseUrl;
  };
  const feedOf = (sources: readonly PlannedSource[]) => new WmsFeed(balancer, sources, { inFlightPerSource: 2, resendShare: 0.05, seed: SEED, attemptTimeoutMs: 15_000, maxBackoffMs: 500 });

  const query = <T>(sql: string, values: unknown[] = []) => database.query<T>(sql, values);
  /** Partitions whose lease is current, by holder. */
  const holders = async () => {
    const rows = await query<{ holder: string; n: string }>(`SELECT holder, count(*) AS n FROM relay_partitions WHERE holder IS NOT NULL AND lease_until > now() GROUP BY holder`);
    return new Map(rows.map((row) => [row.holder, Number(row.n)]));
  };
  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await sleep(50);
    }
  };

  it("spreads load and partitions, survives a SIGKILLed replica and a killed NATS node, and publishes every event once, in order", async () => {
    const batches = byProfile(6, 30);
    const sources = planStream("scale", { sources: 8, batchesPerSource: batches, minBatch: 100, maxBatch: 800, skus: 3000, seed: SEED });
    const throughput: Record<string, number> = {};

    // 1, 2, then 3 replicas: each phase its own two WMS sources, through the balancer.
    for (const count of [1, 2, 3]) {
      while (live().length < count) await startReplica(live().length);
      await waitFor(`${count} replicas holding partitions`, async () => {
        const held = await holders();
        return held.size === count && [...held.values()].reduce((a, b) => a + b, 0) === PARTITIONS;
      });
      const phase = sources.slice((count - 1) * 2, count * 2);
      const feed = feedOf(phase);
      const started = Date.now();
      await feed.run();
      throughput[`${count} replica${count > 1 ? "s" : ""}`] = Math.round(feed.tally.acknowledgedUpdates / ((Date.now() - started) / 1000));
      assert.deepEqual(feed.tally.unexpected, [], "a good batch was refused");
    }
    const spread = await holders();
    assert.deepEqual([...spread.values()].sort(), [5, 5, 6], "16 partitions spread evenly over 3 replicas");

    // Faults under load: SIGKILL replica 2, kill a NATS node, bring replica 2 back.
    const faultFeed = feedOf(sources.slice(6));
    const fed = faultFeed.run();
    await sleep(1000);
    const movesBefore = Number((await query<{ n: string }>(`SELECT coalesce(sum(moves), 0) AS n FROM relay_partitions`))[0]!.n);
    const killedAt = Date.now();
    const victim = replicas[1]!;
    replicas[1] = undefined;
    await victim.kill();
    await waitFor("the killed replica's partitions moved", async () => {
      const held = await holders();
      return !held.has("replica-2") && [...held.values()].reduce((a, b) => a + b, 0) === PARTITIONS;
    });
    const failoverMs = Date.now() - killedAt;
    await sleep(500);
    await cluster.stop(0);
    const natsKilledAt = Date.now();
    await sleep(3000);
    await cluster.restart(0);
    const natsDownMs = Date.now() - natsKilledAt;
    await startReplica(1);
    const rejoinedAt = Date.now();
    await waitFor("the rejoined replica holding its share", async () => ((await holders()).get("replica-2") ?? 0) > 0);
    const rejoinMs = Date.now() - rejoinedAt;
    await fed;
    assert.deepEqual(faultFeed.tally.unexpected, [], "a good batch was refused during the faults");
    const loadEndedAt = Date.now();
    await waitFor("the outbox drained", async () => Number((await query<{ n: string }>(`SELECT coalesce(sum(events - sent), 0) AS n FROM outbox_chunks`))[0]!.n) === 0, 120_000);
    const drainMs = Date.now() - loadEndedAt;

    const audit = await auditInvariants({ databaseUrl: database.url, natsUrl: cluster.url, stream, sources, drainTimeoutMs: 120_000 });
    const moves = Number((await query<{ n: string }>(`SELECT coalesce(sum(moves), 0) AS n FROM relay_partitions`))[0]!.n);
    // Rounds refused by another replica's publish (or a NATS node's loss) and retried, by the replicas running at the end.
    const relayRetries = live().reduce((n, replica) => n + replica.lines.filter((line) => line.msg === "outbox relay round failed").length, 0);
    recordFigures("scale", {
      profile: PROFILE,
      updatesPerSecond: throughput,
      failover: { replicaKilledToPartitionsMovedMs: failoverMs, boundMs: TTL_MS + HEARTBEAT_MS, rejoinToShareMs: rejoinMs, natsNodeDownMs: natsDownMs },
      leaseMoves: { total: moves, duringFaults: moves - movesBefore },
      outboxDrainedAfterLoadMs: drainMs,
      relayRoundsRetried: relayRetries,
      ...auditFigures(audit),
    });
    assert.ok(failoverMs <= TTL_MS + HEARTBEAT_MS + 2000, `the killed replica's partitions moved in ${failoverMs} ms (bound TTL + heartbeat = ${TTL_MS + HEARTBEAT_MS} ms, plus polling)`);
    assert.ok(moves - movesBefore >= 5, "partitions moved when the replica died and when it came back");
    assert.equal(audit.updatesLost, 0, "acknowledged updates lost");
    assert.equal(audit.duplicatesInStream, 0, "events stored twice in the stream (a consumer would see them twice)");
    assert.equal(audit.outOfOrderRecords, 0, "records whose versions are out of order on the stream");
    assert.equal(audit.eventsMissing, 0, "events of the ledger missing from the stream");
    assert.deepEqual(audit.violations, []);
    // The jobs that must run once: a daily reconciliation run per day at most, whoever ran it.
    const runsPerDay = await query<{ n: string }>(`SELECT count(*) AS n FROM reconciliation_runs WHERE scheduled_for IS NOT NULL GROUP BY scheduled_for HAVING count(*) > 1`);
    assert.deepEqual(runsPerDay, [], "a day's reconciliation ran twice");
    for (const replica of live()) assert.deepEqual(replica.crashes, [], "a replica exited by itself");
  });
});
