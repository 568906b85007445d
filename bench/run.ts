/**
 * `npm run bench`: drives the real service (built `dist/`, real PostgreSQL and NATS) over its WMS
 * endpoint with Connect JSON batches, alternating at saturation with the same-work floor
 * (`bench/floor/`, the same traffic on the same servers: service / floor / service / floor, then
 * a WMS v2 pair, then a file-drop pair), then measures the service paced, the machine's own
 * limits and a naive peer in the same run, and prints a table (with the service's ratios to the
 * floor) and a JSON file.
 * `--quick` runs a few seconds to prove the harness works (used by `npm test`); figures from a
 * quick run mean nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import pg from "pg";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureBuilt, ServiceProcess, START_NODE_FLAGS } from "../contract-tests/support/service-process.js";
import { createTestDatabase, NATS_URL, testStream } from "../contract-tests/support/test-servers.js";
import { EventCounter } from "./event-counter.js";
import { barePublishRate, bareUpsertRate } from "./limits.js";
import { naivePeerRate } from "./naive-peer.js";
import { signatureHeader } from "../src/adapters/http/wms-signature.js";
import { PgStatements } from "./pg-statements.js";
import { peakRssMiB } from "./process-usage.js";
import { readGcPauses } from "./service-gc.js";
import { appendHistory, measuredCommit } from "./history.js";
import { figureRows, writeFigures } from "./figures.js";
import { fmt, printTable } from "./report.js";
import { round } from "./stats.js";
import { combineLoads, paced } from "./wms-load.js";
import { WmsSender, type GeneratedUpdate, type WorkloadSettings } from "./workload.js";
import { FloorProcess } from "./floor/floor-process.js";
import { combinePhases, filePhase, saturationPhase, type SaturationPhase } from "./saturation-phase.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
    senders: { type: "string" },
    "paced-rate": { type: "string" },
    "paced-seconds": { type: "string" },
    out: { type: "string" },
    profile: { type: "boolean", default: false },
    "pg-statements": { type: "boolean", default: false },
    "node-args": { type: "string" },
    "service-env": { type: "string" },
  },
});
const quick = args.quick ?? false;
/**
 * `full` is the default run, the one `bench/results/` keeps (latest-full.json and a row of
 * history.csv); `quick` proves the harness in `npm test`; any other setting is an experiment
 * (`custom`), written to test-results/ so it never passes for the default.
 */
const mode = quick ? "quick" : [args.seconds, args.senders, args["paced-rate"], args["paced-seconds"], args["node-args"], args["service-env"]].some((v) => v !== undefined) || args.profile ? "custom" : "full";
const settings = {
  seconds: Number(args.seconds ?? (quick ? 3 : 60)),
  senders: Number(args.senders ?? (quick ? 2 : 4)),
  pacedRate: Number(args["paced-rate"] ?? (quick ? 1000 : 5000)),
  pacedSeconds: Number(args["paced-seconds"] ?? (quick ? 2 : 20)),
  pacedBatch: quick ? 200 : 1000,
  naiveUpdates: quick ? 300 : 20_000,
  /** Updates dropped as files in the file-drop pair (one v1 JSON Lines file per sender). */
  fileUpdates: quick ? 2_000 : 120_000,
};
const workload: WorkloadSettings = {
  skus: 100_000,
  zipfExponent: 1.0,
  minBatch: quick ? 100 : 500,
  maxBatch: quick ? 500 : 5000,
  duplicateShare: 0.03,
  lateShare: 0.01,
  seed: 20261124,
};
/** Busy, idle and stolen shares of the machine's CPU time, in percent. */
function shares({ busy, idle, steal }: { busy: number; idle: number; steal: number }) {
  const total = busy + idle + steal || 1;
  return { busy: round((100 * busy) / total), idle: round((100 * idle) / total), steal: round((100 * steal) / total) };
}
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SIGNING_SECRET = "bench-signing-secret-0123456789";
/** The X-Invsync-Signature header of `body`, as a WMS signs it. */
const sign = (body: string) => ({ "x-invsync-signature": signatureHeader("bench", SIGNING_SECRET, Math.floor(Date.now() / 1000), Buffer.from(body)) });
/** One `K=V` of `--service-env`, split at its first `=` (so a value may itself hold `=`). */
function envPair(pair: string): [string, string] {
  const at = pair.indexOf("=");
  if (at <= 0) throw new Error(`--service-env: "${pair}" is not K=V`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** One more pair of phases (the v2 contract's, the file drop's): the service's load and figures, the floor's, and the ratios. */
function againstFloor(phase: SaturationPhase, run: ReturnType<typeof combinePhases>, floorRun: ReturnType<typeof combinePhases>) {
  return {
    ...combineLoads([phase.load]),
    committedUpdatesPerSecond: run.committedUpdatesPerSecond,
    endToEndUpdatesPerSecond: run.endToEndUpdatesPerSecond,
    allEventsConsumed: run.allEventsConsumed,
    cpuMicrosPerUpdate: { service: run.cpuMicrosPerUpdate.process, postgres: run.cpuMicrosPerUpdate.postgres, nats: run.cpuMicrosPerUpdate.nats, loadGenerator: run.cpuMicrosPerUpdate.loadGenerator },
    machineCpuMicrosPerUpdate: run.machineCpuMicrosPerUpdate,
    floor: { endToEndUpdatesPerSecond: floorRun.endToEndUpdatesPerSecond, machineCpuMicrosPerUpdate: floorRun.machineCpuMicrosPerUpdate, allEventsConsumed: floorRun.allEventsConsumed },
    toFloor: { endToEnd: round(run.endToEndUpdatesPerSecond / floorRun.endToEndUpdatesPerSecond, 3), machineCpuPerUpdate: round(run.machineCpuMicrosPerUpdate / floorRun.machineCpuMicrosPerUpdate, 3) },
  };
}

/** `--service-env`, parsed before anything is created so a bad pair fails fast. */
const serviceEnv = Object.fromEntries((args["service-env"]?.split(" ").filter(Boolean) ?? []).map(envPair));
/** `--node-args`, then `--profile`'s flags (a V8 CPU profile of the service, written when it stops). */
const extraNodeFlags = [...(args["node-args"]?.split(" ").filter(Boolean) ?? []), ...(args.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(ROOT, "test-results/profiles")}`] : [])];

ensureBuilt();
const database = await createTestDatabase("bench");
const stream = testStream("bench");
const floorDatabase = await createTestDatabase("bench-floor");
const floorStream = testStream("bench-floor");
/** The drop folders of the file-drop pair, one per system, polled every 100 ms (the service's default is 2 s). */
const dropFolders = { service: mkdtempSync(join(tmpdir(), "invsync-bench-drop-")), floor: mkdtempSync(join(tmpdir(), "invsync-bench-floor-drop-")) };
const DROP_POLL_MS = "100";
const service = ServiceProcess.spawn({
  DATABASE_URL: database.url,
  NATS_URL,
  NATS_STREAM: stream.stream,
  NATS_SUBJECT_PREFIX: stream.subjectPrefix,
  HOST: "127.0.0.1",
  GATEWAY_PORT: "0",
  GRPC_PORT: "0",
  LOG_LEVEL: "info",
  FLAGS_BOOTSTRAP_FILE: "flags/all-new.json", // every SKU on the new path: the path being measured
  WMS_SIGNING_KEYS: `bench:${SIGNING_SECRET}`, // signed requests, as in production
  WMS_DROP_DIR: dropFolders.service,
  WMS_DROP_POLL_MS: DROP_POLL_MS,
  ...serviceEnv,
}, extraNodeFlags);
let exitCode = 0;
let floorProcess: FloorProcess | undefined;
let walClient: pg.Client | undefined;
try {
  const started = await service.waitForLog("inventory-sync started", 60_000).catch(async () => {
    throw new Error(`service did not start: ${service.stderr.join("")}`);
  });
  const baseUrl = `http://127.0.0.1:${started.gatewayPort as number}`;
  for (let ready = false; !ready; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const body = (await (await fetch(`${baseUrl}/readyz`)).json()) as { nats?: { streamReady?: boolean } };
    ready = body.nats?.streamReady === true;
  }
  const { floor, url: floorUrl } = await FloorProcess.start({ DATABASE_URL: floorDatabase.url, NATS_URL, NATS_STREAM: floorStream.stream, NATS_SUBJECT_PREFIX: floorStream.subjectPrefix, HOST: "127.0.0.1", PORT: "0", FLOOR_DROP_DIR: dropFolders.floor, FLOOR_DROP_POLL_MS: DROP_POLL_MS });
  floorProcess = floor;
  const counter = await EventCounter.start(NATS_URL, stream.stream, ["tp", "paced"]);
  const floorCounter = await EventCounter.start(NATS_URL, floorStream.stream, ["tp"]);
  const wal = new pg.Client({ connectionString: database.url });
  walClient = wal;
  await wal.connect();
  const walPosition = async () => Number((await wal.query<{ at: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS at")).rows[0]!.at);
  const serviceTarget = { url: baseUrl, pid: service.pid, counter, headers: sign, walPosition };
  const floorTarget = { url: floorUrl, pid: floor.pid, counter: floorCounter, walPosition };
  // The same traffic for both: each system gets its own senders, seeded alike, so both are sent
  // the same sequence of batches (each sender draws its SKUs from its own seeded stream), each
  // system as far into it as its speed takes it.
  const newSenders = () => Array.from({ length: settings.senders }, (_, i) => new WmsSender(`bench-wms-${i}`, workload, i));
  const senders = newSenders();
  const floorSenders = newSenders();

  const phaseSeconds = settings.seconds / 2;
  console.log(`bench: saturating for ${settings.seconds}s with ${settings.senders} senders, alternating with the same-work floor (service / floor / service / floor, ${phaseSeconds}s each) …`);
  const sent: GeneratedUpdate[] = [];
  const statements = args["pg-statements"] ? await PgStatements.start(database.url) : undefined;
  const gcBefore = await readGcPauses(baseUrl);
  const servicePhases: SaturationPhase[] = [];
  const floorPhases: SaturationPhase[] = [];
  for (let pair = 0; pair < 2; pair++) {
    servicePhases.push(await saturationPhase(serviceTarget, senders, phaseSeconds, "tp", sent, 180_000));
    floorPhases.push(await saturationPhase(floorTarget, floorSenders, phaseSeconds, "tp", [], 180_000));
  }
  const gcAfter = await readGcPauses(baseUrl);
  const statementReport = await statements?.report(); // the v1 saturation phases' statements only
  const eventsConsumed = counter.count;
  // The WMS v2 contract (snapshots through the v2 anti-corruption layer), one more pair of phases
  // with the same updates: the service in v2, the floor in v1 as before.
  console.log(`bench: the WMS v2 contract against the floor, ${phaseSeconds}s each …`);
  const v2Phase = await saturationPhase({ ...serviceTarget, contract: "v2" }, senders, phaseSeconds, "v2", [], 180_000);
  const v2FloorPhase = await saturationPhase(floorTarget, floorSenders, phaseSeconds, "v2", [], 180_000);
  const v2Run = combinePhases([v2Phase]);
  const v2FloorRun = combinePhases([v2FloorPhase]);
  // The file-drop path: the same updates dropped as v1 JSON Lines files into each system's folder.
  console.log(`bench: the file-drop path against the floor, ${fmt(settings.fileUpdates)} updates in ${settings.senders} files each …`);
  const filePhaseRun = await filePhase(serviceTarget, dropFolders.service, senders, settings.fileUpdates, "file", 180_000);
  const fileFloorPhase = await filePhase(floorTarget, dropFolders.floor, floorSenders, settings.fileUpdates, "file", 180_000);
  const fileRun = combinePhases([filePhaseRun]);
  const fileFloorRun = combinePhases([fileFloorPhase]);
  const load = combineLoads(servicePhases.map((p) => p.load));
  const serviceRun = combinePhases(servicePhases);
  const floorRun = combinePhases(floorPhases);
  const floorLoad = combineLoads(floorPhases.map((p) => p.load));
  const allPublished = serviceRun.allEventsConsumed;
  const eventsAfterSaturation = counter.count;
  const saturationTimings = counter.latencies("tp");
  const floorTimings = floorCounter.latencies("tp");
  await floorCounter.stop();
  const floorErrors = floor.errors();
  await floor.stop();

  console.log(`bench: paced at ${settings.pacedRate}/s for ${settings.pacedSeconds}s …`);
  const pacedLoad = await paced(baseUrl, senders, settings.pacedRate, settings.pacedBatch, settings.pacedSeconds, "paced", sign);
  await counter.waitFor(eventsAfterSaturation + pacedLoad.accepted, 60_000);
  const pacedTimings = counter.latencies("paced");
  const peakRss = peakRssMiB(service.pid);
  const eventBytes = counter.count > 0 ? counter.bytes / counter.count : 200;
  await counter.stop();
  await service.stop();

  console.log("bench: measuring the limits and the naive peer on the same servers …");
  const upsert1 = await bareUpsertRate(database.url, sent, 1);
  const upsert4 = await bareUpsertRate(database.url, sent, 4);
  const bareUpsert = Math.max(upsert1, upsert4);
  // The limit with the client set up as the service sets it; then, for reference, the client as it comes.
  const barePublish = await barePublishRate(NATS_URL, Math.max(1000, load.accepted), Math.round(eventBytes), 1000, true);
  const barePublishDefaultClient = await barePublishRate(NATS_URL, Math.max(1000, load.accepted), Math.round(eventBytes), 1000, false);
  const naive = await naivePeerRate(database.url, NATS_URL, "naive-wms", sent.slice(0, settings.naiveUpdates), Math.round(eventBytes));

  const committedRate = serviceRun.committedUpdatesPerSecond;
  const endToEndRate = serviceRun.endToEndUpdatesPerSecond;
  /** CPU `seconds` of the service's saturation phases as µs per accepted update. */
  const perUpdate = (seconds: number) => round((seconds / load.accepted) * 1e6);
  const serviceSum = (pick: (phase: SaturationPhase) => number) => servicePhases.reduce((total, phase) => total + pick(phase), 0);
  const cpuUsed = serviceSum((p) => p.cpu.process);
  const sameWork = {
    endToEnd: round(endToEndRate / floorRun.endToEndUpdatesPerSecond, 3),
    committed: round(committedRate / floorRun.committedUpdatesPerSecond, 3),
    machineCpuPerUpdate: round(serviceRun.machineCpuMicrosPerUpdate / floorRun.machineCpuMicrosPerUpdate, 3),
  };
  const figures = {
    mode,
    date: new Date().toISOString(),
    commit: measuredCommit(ROOT),
    machine: { cpus: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version },
    // How the service ran: every Node.js flag (npm start's, then --node-args and --profile's, as
    // ServiceProcess passes them) and the --service-env given, not the env the bench sets itself.
    settings: { ...settings, workload, service: { nodeFlags: [...START_NODE_FLAGS, ...extraNodeFlags], env: serviceEnv } },
    saturation: {
      ...load,
      committedUpdatesPerSecond: round(committedRate),
      endToEndUpdatesPerSecond: round(endToEndRate),
      eventsConsumed,
      allEventsConsumed: allPublished,
      duplicateEventsSeen: counter.duplicates,
      commitToAckMs: saturationTimings.commitToAckMs,
      freshnessMs: saturationTimings.freshnessMs,
      cpuSecondsPer10kUpdates: round((cpuUsed / load.accepted) * 10_000, 2),
      // Where the machine's CPU went during saturation, per accepted update (µs); the load generator
      // and consumer are this process. Steal is time the hypervisor ran someone else.
      cpuMicrosPerUpdate: {
        service: serviceRun.cpuMicrosPerUpdate.process,
        postgres: serviceRun.cpuMicrosPerUpdate.postgres,
        nats: serviceRun.cpuMicrosPerUpdate.nats,
        loadGenerator: serviceRun.cpuMicrosPerUpdate.loadGenerator,
      },
      machineCpuShare: shares({ busy: serviceSum((p) => p.cpu.machine.busy), idle: serviceSum((p) => p.cpu.machine.idle), steal: serviceSum((p) => p.cpu.machine.steal) }),
      // The service's CPU split by thread (the event loop, and V8's helper threads: most of the
      // garbage collector's work, the optimising compiler) and the event loop's GC pauses, per
      // accepted update (µs).
      serviceCpuMicrosPerUpdate: {
        mainThread: perUpdate(serviceSum((p) => p.cpu.mainThread)),
        otherThreads: perUpdate(serviceSum((p) => p.cpu.otherThreads)),
        gcPauseMinor: perUpdate(gcAfter.minor - gcBefore.minor),
        gcPauseMajor: perUpdate(gcAfter.major - gcBefore.major),
      },
      phases: serviceRun.phases,
      bytesPerUpdate: serviceRun.bytesPerUpdate,
    },
    // The same-work floor (bench/floor/), in the saturation phases between the service's, on the
    // same servers with the same traffic, and the service's ratios to it.
    floor: {
      ...floorLoad,
      committedUpdatesPerSecond: floorRun.committedUpdatesPerSecond,
      endToEndUpdatesPerSecond: floorRun.endToEndUpdatesPerSecond,
      allEventsConsumed: floorRun.allEventsConsumed,
      duplicateEventsSeen: floorCounter.duplicates,
      commitToAckMs: floorTimings.commitToAckMs,
      freshnessMs: floorTimings.freshnessMs,
      cpuMicrosPerUpdate: { floor: floorRun.cpuMicrosPerUpdate.process, postgres: floorRun.cpuMicrosPerUpdate.postgres, nats: floorRun.cpuMicrosPerUpdate.nats, loadGenerator: floorRun.cpuMicrosPerUpdate.loadGenerator },
      machineCpuMicrosPerUpdate: floorRun.machineCpuMicrosPerUpdate,
      errors: floorErrors.length,
      bytesPerUpdate: floorRun.bytesPerUpdate,
      phases: floorRun.phases,
    },
    serviceToFloor: sameWork,
    // The WMS v2 contract and the file-drop path (WMS_DROP_DIR), each against the floor with the same updates.
    wmsV2: againstFloor(v2Phase, v2Run, v2FloorRun),
    fileDrop: againstFloor(filePhaseRun, fileRun, fileFloorRun),
    ...(statementReport ? { postgresStatements: statementReport } : {}),
    paced: { ...pacedLoad, rate: settings.pacedRate, commitToAckMs: pacedTimings.commitToAckMs, freshnessMs: pacedTimings.freshnessMs },
    service: { peakRssMiB: round(peakRss) },
    limits: {
      bareUpsertRowsPerSecond: { oneConnection: round(upsert1), fourConnections: round(upsert4) },
      barePublishMessagesPerSecond: round(barePublish),
      barePublishDefaultClientMessagesPerSecond: round(barePublishDefaultClient),
      eventBytes: round(eventBytes),
      committedToBareUpsert: round(committedRate / bareUpsert, 3),
      endToEndToBarePublish: round(endToEndRate / barePublish, 3),
    },
    naivePeer: { updatesPerSecond: round(naive), updates: Math.min(settings.naiveUpdates, sent.length), serviceRatio: round(endToEndRate / naive, 1) },
  };

  // The figures the docs show (one formatter, bench/figures.ts), then what only the console shows.
  printTable(`inventory-sync benchmark (${figures.mode}; ${figures.machine.cpus} cores; PostgreSQL, NATS and the service on this machine)`, [
    ...figureRows(figures).map((row) => ({ name: row.figure, value: row.value, target: row.target, met: row.met })),
    { name: "service CPU s per 10k updates", value: fmt(figures.saturation.cpuSecondsPer10kUpdates, 2) },
    { name: "updates sent / accepted / duplicate / stale", value: `${fmt(load.sent)} / ${fmt(load.accepted)} / ${fmt(load.duplicate)} / ${fmt(load.stale)}` },
    { name: "limit: bare upsert rows/s (1 / 4 connections)", value: `${fmt(upsert1)} / ${fmt(upsert4)}` },
    { name: "limit: bare JetStream publish msg/s", value: fmt(barePublish) },
    { name: "  the same, nats.js with its async traces on", value: fmt(barePublishDefaultClient) },
    { name: "naive peer updates/s", value: fmt(naive) },
  ]);

  if (statementReport?.available === false) console.log(`bench: --pg-statements: ${statementReport.reason}`);
  if (statementReport?.available) {
    console.log("\nPostgreSQL statements during saturation (pg_stat_statements; µs per row include lock waits)\n");
    for (const s of statementReport.top) console.log(`  ${fmt(s.totalMs).padStart(8)} ms ${fmt(s.calls).padStart(6)} calls ${fmt(s.rows).padStart(9)} rows ${fmt(s.microsPerRow).padStart(6)} µs/row  ${s.statement}`);
    console.log("");
  }
  const clean = allPublished && load.failedRequests === 0 && floorRun.allEventsConsumed && floorLoad.failedRequests === 0 && floorErrors.length === 0 && v2Run.allEventsConsumed && v2FloorRun.allEventsConsumed && v2Phase.load.failedRequests === 0 && v2FloorPhase.load.failedRequests === 0 && fileRun.allEventsConsumed && fileFloorRun.allEventsConsumed;
  const out = args.out ?? join(ROOT, mode === "full" ? "bench/results/latest-full.json" : `test-results/bench-${mode}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`bench: figures written to ${out}`);
  if (mode === "full" && clean) {
    appendHistory(join(ROOT, "bench/results/history.csv"), figures, figures.commit);
    writeFigures(join(ROOT, "docs/performance.md"), out);
    console.log("bench: a row added to bench/results/history.csv; docs/performance.md's figures rewritten");
  }
  if (!clean) {
    console.error("bench: the run was not clean (failed requests or events never consumed); figures are suspect");
    exitCode = 1;
  }
} catch (error) {
  console.error("bench failed:", error);
  exitCode = 1;
} finally {
  await service.stop();
  await floorProcess?.stop();
  await walClient?.end().catch(() => undefined);
  await stream.delete().catch(() => undefined);
  await database.drop().catch(() => undefined);
  await floorStream.delete().catch(() => undefined);
  await floorDatabase.drop().catch(() => undefined);
  for (const folder of Object.values(dropFolders)) rmSync(folder, { recursive: true, force: true });
}
process.exit(exitCode);
