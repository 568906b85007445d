import { createClient, ConnectError, Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import knex from "knex";
import pg from "pg";
import { IngestionPath } from "../gen/invsync/events/v1/routing_pb.js";
import { ReconciliationService } from "../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { MigrationService } from "../gen/invsync/migration/v1/migration_service_pb.js";
import { GateName, GateStatus, ScorecardWindow } from "../gen/invsync/migration/v1/scorecard_pb.js";
import { operatorTransport } from "../src/adapters/cli/operator-transport.js";
import { errorDetailFromGrpc, unary } from "./support/grpc-clients.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { runLegacyJob } from "./support/legacy-job.js";
import { ensureBuilt } from "./support/service-process.js";
import { connectJson } from "./support/reservation-calls.js";
import { OPERATOR_TOKEN, startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const PROTO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../proto");

/** Nearest-rank percentile, as the docs define it (PostgreSQL's percentile_disc). */
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1]!;
}

const durationMs = (d: { seconds: bigint; nanos: number } | undefined) => (d ? Number(d.seconds) * 1000 + d.nanos / 1e6 : undefined);

describe("contract: MigrationService/GetScorecard over Connect and gRPC, recomputed from the database (cohorts 10% new, 10% shadow, rest legacy)", function () {
  this.timeout(90_000);
  let svc: TestService;
  let db: pg.Client;
  let grpcClient: grpc.Client;
  const meta = new grpc.Metadata();
  meta.set("authorization", `Bearer ${OPERATOR_TOKEN}`);
  const skus = [...Array.from({ length: 300 }, (_, i) => `SC-${i}`), "PILOT-1"];
  let newSkus: string[] = [];
  let legacySkus: string[] = [];
  let seq = 0;
  const client = () => createClient(MigrationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN));
  const send = async (batchId: string, updates: Array<[string, number]>, observedAt?: Date) => {
    const res = await postJson(
      `${svc.baseUrl}/inventory/sync`,
      syncBatch(batchId, updates.map(([sku, quantity]) => wmsUpdate(sku, ++seq, quantity, { wmsId: "w-sc", ...(observedAt ? { observedAt: observedAt.toISOString() } : {}) }))),
    );
    assert.equal(res.body.accepted, updates.length, JSON.stringify(res.body));
  };
  const drained = () =>
    waitFor("the outbox to drain", async () => (await db.query(`SELECT count(*)::int AS n FROM outbox_chunks`)).rows[0].n === 0);

  before(async () => {
    ensureBuilt();
    svc = await startTestService("scorecard_api", { FLAGS_BOOTSTRAP_FILE: "flags/example-cohorts.json", SCORECARD_REFRESH_SECONDS: "1" });
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
    const definition = protoLoader.loadSync("invsync/migration/v1/migration_service.proto", { keepCase: false, longs: String, enums: String, defaults: true, includeDirs: [PROTO_ROOT] });
    const service = (grpc.loadPackageDefinition(definition) as any).invsync.migration.v1.MigrationService as grpc.ServiceClientConstructor;
    grpcClient = new service(svc.grpcAddress, grpc.credentials.createInsecure());
    await send("sc-1", skus.map((sku) => [sku, 5]));
    const paths = (await db.query(`SELECT sku, path FROM wms_updates WHERE wms_id = 'w-sc' ORDER BY sku`)).rows;
    newSkus = paths.filter((r) => r.path === "new").map((r) => r.sku);
    legacySkus = paths.filter((r) => r.path === "legacy").map((r) => r.sku);
    assert.ok(newSkus.length >= 3 && legacySkus.length >= 3, "the example cohorts put SKUs on every path");
    await drained();
  });
  after(async () => {
    grpcClient?.close();
    await db?.end();
    await svc?.stop();
  });

  it("before legacy ever ran: the oversell gate has no baseline, the discrepancy gate no data; neither is a pass", async () => {
    const card = await client().getScorecard({ window: ScorecardWindow.LAST_24H });
    const gate = (name: GateName) => card.gates.find((g) => g.name === name)!;
    assert.equal(card.latestLegacyRunId, "");
    assert.equal(gate(GateName.OVERSELL).status, GateStatus.NO_BASELINE_YET);
    assert.match(gate(GateName.OVERSELL).detail, /legacy has not reported a sync run yet/);
    assert.equal(gate(GateName.DISCREPANCY).status, GateStatus.NO_DATA);
    assert.equal(gate(GateName.FRESHNESS).status, GateStatus.PASS, gate(GateName.FRESHNESS).detail);
  });

  it("freshness, oversell and shadow figures per path and cohort equal what the tables say, over both transports; the gates follow", async () => {
    // New path: three reservations of 3; a later count of 2 finds the first short, a count of 4 the second not.
    for (const [i, sku] of newSkus.slice(0, 3).entries()) {
      const r = await connectJson(svc.baseUrl, "ReserveStock", { sku, quantity: 3, orderReference: `SC-ORDER-${i}`, idempotencyKey: `sc-${i}` });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send("sc-2", [[newSkus[0]!, 2], [newSkus[1]!, 4]], new Date());
    // Legacy path: legacy runs, reports its order lines; a later count of 4 finds its second line of L1 short (3 + 2 > 4); one line was refused.
    const legacyDb = knex({ client: "pg", connection: svc.database.url, pool: { min: 0, max: 1 } });
    try {
      await runLegacyJob(legacyDb, "nightly-sc-1");
    } finally {
      await legacyDb.destroy();
    }
    const [l1, l2, l3] = legacySkus;
    await db.query(
      `INSERT INTO legacy_order_lines (line_id, sku, location_id, quantity, reserved_at, closed_at, status) VALUES
       ('L-a', $1, 'default', 3, now(), NULL, 'active'), ('L-b', $1, 'default', 2, now() + interval '1 ms', NULL, 'active'),
       ('L-c', $2, 'default', 6, now(), now(), 'refused'), ('L-d', $3, 'default', 1, now(), now(), 'fulfilled')`,
      [l1, l2, l3],
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send("sc-3", [[l1!, 4]], new Date());
    await drained();
    await client().compareShadow({});

    const card = await client().getScorecard({ window: ScorecardWindow.LAST_24H });
    const path = (p: IngestionPath) => card.paths.find((s) => s.path === p)!;

    // Independent recomputation from the tables.
    const { rows: newLags } = await db.query(`
      SELECT ev.cause->>'wmsId' || '#' || (ev.cause->>'sequence') AS update_key, (ev.cause->>'observedAt')::timestamptz AS observed, a.acked_at
      FROM inventory_events ev JOIN (SELECT unnest(event_ids) AS event_id, acked_at FROM outbox_acknowledgements) a USING (event_id)
      WHERE ev.path = 'new' AND ev.cause->>'kind' = 'wms_update'`);
    const byUpdate = new Map<string, number>();
    for (const r of newLags) {
      const lag = Math.max(0, r.acked_at.getTime() - r.observed.getTime());
      byUpdate.set(r.update_key, Math.min(lag, byUpdate.get(r.update_key) ?? Infinity));
    }
    const lags = [...byUpdate.values()];
    assert.equal(Number(path(IngestionPath.NEW).freshness!.samples), lags.length);
    assert.ok(lags.length >= newSkus.length + 2);
    const median = durationMs(path(IngestionPath.NEW).freshness!.median)!;
    assert.ok(Math.abs(median - percentile(lags, 0.5)) <= 1, `median ${median} against ${percentile(lags, 0.5)}`);
    assert.ok(Math.abs(durationMs(path(IngestionPath.NEW).freshness!.p99)! - percentile(lags, 0.99)) <= 1);
    assert.ok(median >= 900 && median < 60_000, "the fixtures observe 1 s before sending: the lag includes that second");

    const { rows: feed } = await db.query(`
      SELECT f.path, f.observed_at, (SELECT min(r.finished_at) FROM legacy_sync_runs r WHERE r.fed_through >= f.id) AS taken FROM legacy_inventory_feed f`);
    const legacyFeed = feed.filter((r) => r.path === "legacy");
    const taken = legacyFeed.filter((r) => r.taken !== null).map((r) => Math.max(0, r.taken.getTime() - r.observed_at.getTime()));
    assert.equal(Number(path(IngestionPath.LEGACY).freshness!.samples), taken.length);
    assert.equal(Number(path(IngestionPath.LEGACY).freshness!.pending), 1, "the count sent after the legacy run waits for the next one");
    assert.ok(Math.abs(durationMs(path(IngestionPath.LEGACY).freshness!.median)! - percentile(taken, 0.5)) <= 1);

    assert.deepEqual(
      [path(IngestionPath.NEW).oversell!.reservations, path(IngestionPath.NEW).oversell!.foundShort, path(IngestionPath.NEW).oversell!.perThousand],
      [3n, 1n, 1000 / 3],
    );
    const legacyOversell = path(IngestionPath.LEGACY).oversell!;
    assert.deepEqual([legacyOversell.reservations, legacyOversell.foundShort, legacyOversell.refusedAtFulfilment], [4n, 2n, 1n]);
    const shadowCount = (await db.query(`SELECT count(*)::int AS n FROM wms_updates WHERE wms_id = 'w-sc' AND path = 'shadow'`)).rows[0].n;
    assert.equal(Number(path(IngestionPath.SHADOW).shadowMismatch!.compared), shadowCount);
    assert.equal(path(IngestionPath.SHADOW).shadowMismatch!.mismatched, 0n);
    assert.equal(Number(path(IngestionPath.NEW).skus), newSkus.length);

    const cohort = card.cohorts.find((c) => c.cohort === "invsync.cohort.new")!;
    assert.deepEqual(cohort.paths.map((p) => p.path), [IngestionPath.NEW]);
    assert.equal(cohort.paths[0]!.oversell!.foundShort, 1n);
    assert.ok(card.cohorts.some((c) => c.cohort === "undecided" && c.paths.some((p) => p.path === IngestionPath.LEGACY)));

    const gate = (name: GateName) => card.gates.find((g) => g.name === name)!;
    assert.equal(card.latestLegacyRunId, "nightly-sc-1");
    assert.equal(gate(GateName.FRESHNESS).status, GateStatus.PASS);
    assert.ok(Math.abs(gate(GateName.FRESHNESS).observed - percentile(lags, 0.5) / 1000) <= 0.001);
    assert.equal(gate(GateName.OVERSELL).status, GateStatus.PASS, gate(GateName.OVERSELL).detail);
    assert.ok(Math.abs(gate(GateName.OVERSELL).observed - (1 - 1000 / 3 / 500)) < 1e-9);
    assert.equal(gate(GateName.DISCREPANCY).status, GateStatus.NO_DATA);

    // The same scorecard over gRPC (proto-loader, independent of gen/).
    const overGrpc = await unary(grpcClient, "getScorecard", { window: "SCORECARD_WINDOW_LAST_24H" }, meta);
    const grpcPath = (name: string) => overGrpc.paths.find((p: any) => p.path === name);
    assert.deepEqual(
      [grpcPath("INGESTION_PATH_NEW").oversell.foundShort, grpcPath("INGESTION_PATH_LEGACY").oversell.reservations, grpcPath("INGESTION_PATH_NEW").freshness.samples],
      ["1", "4", String(lags.length)],
    );
    assert.deepEqual(
      overGrpc.gates.map((g: any) => g.status),
      ["GATE_STATUS_PASS", "GATE_STATUS_PASS", "GATE_STATUS_NO_DATA"],
    );

    // One cohort: the new figures are that cohort's, the legacy baseline stays the whole legacy path.
    const shadowOnly = await client().getScorecard({ window: ScorecardWindow.LAST_7D, cohort: "invsync.cohort.shadow" });
    assert.equal(shadowOnly.paths.find((p) => p.path === IngestionPath.NEW)!.freshness!.samples, 0n);
    assert.equal(shadowOnly.gates.find((g) => g.name === GateName.FRESHNESS)!.status, GateStatus.NO_DATA);
    assert.equal(shadowOnly.paths.find((p) => p.path === IngestionPath.LEGACY)!.oversell!.reservations, 4n);
  });

  it("an unknown cohort, an empty window or a window given twice is InvalidArgument naming the field, on both transports", async () => {
    const refusals: Array<[object, object, string]> = [
      [{ cohort: "invsync.cohort.nope" }, { cohort: "invsync.cohort.nope" }, "cohort"],
      [{ from: { seconds: 2_000_000_000n }, to: { seconds: 1_900_000_000n } }, { from: { seconds: "2000000000" }, to: { seconds: "1900000000" } }, "to"],
      [{ window: ScorecardWindow.LAST_24H, from: { seconds: 1_700_000_000n } }, { window: "SCORECARD_WINDOW_LAST_24H", from: { seconds: "1700000000" } }, "from"],
    ];
    for (const [connectRequest, grpcRequest, field] of refusals) {
      const error = await client()
        .getScorecard(connectRequest)
        .then(() => assert.fail("expected a refusal"), (e: unknown) => ConnectError.from(e));
      assert.equal(error.code, Code.InvalidArgument);
      assert.match(error.message, new RegExp(field));
      const grpcError = await unary(grpcClient, "getScorecard", grpcRequest, meta).then(
        () => assert.fail("expected a refusal"),
        (e: grpc.ServiceError) => e,
      );
      assert.equal(grpcError.code, grpc.status.INVALID_ARGUMENT);
      const detail = errorDetailFromGrpc(grpcError)!;
      assert.equal(detail.code, "MIGRATION.INVALID_SCORECARD_REQUEST");
      assert.deepEqual(detail.fieldViolations.map((v) => v.field), [field]);
    }
  });

  it("the discrepancy rate is the latest reconciliation run's, per cohort too; `invsync gates` prints the gates and exits 1 unless all pass, 2 on bad options", async () => {
    const reconciliation = createClient(ReconciliationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN));
    const reconcile = async (ref: string, off: string | undefined) => {
      const { rows } = await db.query(`SELECT sku, location_id, on_hand::int AS on_hand FROM inventory ORDER BY sku`);
      const { run } = await reconciliation.beginSnapshot({ wmsId: "w-sc", snapshotRef: ref, takenAt: timestampFromDate(new Date()), complete: false });
      const counts = rows.map((r) => ({ sku: r.sku, locationId: r.location_id, quantity: BigInt(r.sku === off ? r.on_hand + 50 : r.on_hand), observedAt: timestampFromDate(new Date()) }));
      await reconciliation.addSnapshotCounts({ runId: run!.runId, counts });
      return (await reconciliation.completeSnapshot({ runId: run!.runId, expectedLines: BigInt(counts.length) })).run!;
    };
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["dist/src/cli.js", "gates", ...args, "--url", svc.baseUrl, "--token", OPERATOR_TOKEN]).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );

    const first = await reconcile("sc-recon-1", newSkus[2]);
    const card = await client().getScorecard({});
    const discrepancy = card.paths.find((p) => p.path === IngestionPath.NEW)!.discrepancy!;
    const { rows } = await db.query(
      `SELECT count(DISTINCT sku)::int AS n FROM discrepancies WHERE run_id = $1 AND kind = 'count_mismatch' AND status IN ('open', 'auto_resolved')`,
      [String(first.runId)],
    );
    assert.equal(rows[0].n, 1);
    assert.deepEqual(
      [discrepancy.reconciliationRunId, Number(discrepancy.skusWithDiscrepancy), Number(discrepancy.skusCompared)],
      [String(first.runId), 1, Number(first.result?.skusCompared ?? 0n)],
    );
    assert.equal(Number(discrepancy.skusCompared), newSkus.length);
    const cohortDiscrepancy = card.cohorts.find((c) => c.cohort === "invsync.cohort.new")!.paths[0]!.discrepancy!;
    assert.deepEqual([Number(cohortDiscrepancy.skusWithDiscrepancy), Number(cohortDiscrepancy.skusCompared)], [1, newSkus.length]);
    assert.equal(card.gates.find((g) => g.name === GateName.DISCREPANCY)!.status, GateStatus.FAIL, "1 SKU in ~30 is far above 0.5 %");

    await waitFor("the gauges to show the failing gate", async () =>
      (await (await fetch(`${svc.baseUrl}/metrics`)).text()).includes('invsync_migration_gate{gate="discrepancy",status="fail"} 1'),
    );
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    assert.match(metrics, /invsync_migration_gate\{gate="oversell",status="pass"\} 1/);
    assert.match(metrics, /invsync_scorecard_oversell_per_thousand\{path="legacy"\} 500/);
    assert.match(metrics, /invsync_scorecard_freshness_seconds\{path="new",quantile="0.5"\} \d/);
    const failing = await cli();
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stdout, /freshness\s+PASS/);
    assert.match(failing.stdout, /oversell\s+PASS\s+new 333\.333 ‰ \(1\/3\) against legacy 500\.000 ‰ \(2\/4\)/);
    assert.match(failing.stdout, /discrepancy\s+FAIL\s+run \d+: 1 of \d+ SKUs/);
    assert.match(failing.stdout, /^new\s+invsync\.cohort\.new\s+\d+/m);

    await reconcile("sc-recon-2", undefined);
    const passing = await cli("--window", "7d", "--json");
    assert.equal(passing.code, 0, passing.stdout);
    const json = JSON.parse(passing.stdout);
    assert.deepEqual(json.gates.map((g: { status: string }) => g.status), ["GATE_STATUS_PASS", "GATE_STATUS_PASS", "GATE_STATUS_PASS"]);

    for (const bad of [["--window", "3d"], ["--cohort", "invsync.cohort.nope"], ["--from", "yesterday"], ["--bogus"], ["--window", "24h", "--from", "2026-01-01T00:00:00Z"]]) {
      const refused = await cli(...bad);
      assert.equal(refused.code, 2, `${bad.join(" ")}: ${refused.stdout}`);
      assert.match(refused.stderr, /invsync gates: .*(window|cohort|from|unknown option)/);
    }
    assert.match((await cli("--cohort", "invsync.cohort.nope")).stderr, /cohort: is not a cohort of this service/);
  });
});
