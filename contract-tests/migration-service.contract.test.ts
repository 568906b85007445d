import { createClient } from "@connectrpc/connect";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import knex from "knex";
import pg from "pg";
import { IngestionPath } from "../gen/invsync/events/v1/routing_pb.js";
import { ComparisonTrigger, FlagRole } from "../gen/invsync/migration/v1/cohort_pb.js";
import { MigrationService } from "../gen/invsync/migration/v1/migration_service_pb.js";
import { runLegacyJob } from "./support/legacy-job.js";
import { ensureBuilt } from "./support/service-process.js";
import { OPERATOR_TOKEN, startTestService, type TestService } from "./support/test-service.js";
import { operatorTransport } from "../src/adapters/cli/operator-transport.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

describe("contract: MigrationService and `invsync cohort status` (example cohorts: 10% new, 10% shadow)", function () {
  this.timeout(60_000);
  let svc: TestService;
  let db: pg.Client;
  const skus = [...Array.from({ length: 300 }, (_, i) => `CO-${i}`), "PILOT-1"];

  before(async () => {
    ensureBuilt();
    svc = await startTestService("migration_api", { FLAGS_BOOTSTRAP_FILE: "flags/example-cohorts.json" });
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("co-1", skus.map((sku, i) => wmsUpdate(sku, i + 1, 5, { wmsId: "w-co" }))));
    assert.equal(res.body.accepted, skus.length);
  });
  after(async () => {
    await db?.end();
    await svc?.stop();
  });

  const client = () => createClient(MigrationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN));

  it("GetCohortStatus counts SKUs per path and per flag, and names the flags' strategies", async () => {
    const status = await client().getCohortStatus({});
    const skusOn = (path: IngestionPath) => Number(status.paths.find((p) => p.path === path)?.skus ?? 0n);
    assert.equal(skusOn(IngestionPath.LEGACY) + skusOn(IngestionPath.SHADOW) + skusOn(IngestionPath.NEW), skus.length);
    const { rows } = await db.query(`SELECT path, count(*)::int AS n FROM wms_updates WHERE wms_id = 'w-co' GROUP BY path`);
    for (const row of rows) assert.equal(skusOn(IngestionPath[row.path.toUpperCase() as "NEW"]), row.n);
    const cohort = status.cohorts.find((c) => c.role === FlagRole.COHORT)!;
    assert.deepEqual(cohort.strategies, ["flexibleRollout 10% by sku (group invsync-sku-cohort)", "default; sku IN [PILOT-1, PILOT-2]"]);
    assert.equal(status.flags?.source.endsWith("flags/example-cohorts.json"), true);
    assert.equal((await db.query(`SELECT path FROM wms_updates WHERE sku = 'PILOT-1'`)).rows[0].path, "new", "an explicit list puts a SKU on the new path");
  });

  it("CompareShadow and ListMismatches report legacy disagreement with both values; the rate is a metric", async () => {
    const shadowSkus = (await db.query(`SELECT sku FROM wms_updates WHERE wms_id = 'w-co' AND path = 'shadow' ORDER BY sku`)).rows.map((r) => r.sku);
    const legacyDb = knex({ client: "pg", connection: svc.database.url, pool: { min: 0, max: 1 } });
    try {
      await runLegacyJob(legacyDb, "nightly-1", shadowSkus.slice(0, 2));
    } finally {
      await legacyDb.destroy();
    }
    const { comparison } = await client().compareShadow({});
    assert.equal(comparison?.trigger, ComparisonTrigger.ON_DEMAND);
    assert.equal(comparison?.legacyRunId, "nightly-1");
    const tally = comparison!.cohorts[0]!;
    assert.deepEqual([tally.cohort, Number(tally.compared), Number(tally.mismatched)], ["invsync.cohort.shadow", shadowSkus.length, 2]);
    assert.equal(tally.mismatchRate, 2 / shadowSkus.length);

    const listed = await client().listMismatches({ pageSize: 10 });
    assert.deepEqual(listed.mismatches.map((m) => [m.sku, m.shadowOnHand, m.legacyOnHand]), shadowSkus.slice(0, 2).map((sku: string) => [sku, 5n, 6n]));
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    assert.match(metrics, new RegExp(`invsync_shadow_mismatch_rate\\{cohort="invsync.cohort.shadow"\\} ${2 / shadowSkus.length}`));
    assert.match(metrics, /invsync_routed_updates_total\{path="shadow"\} \d+/);
  });

  it("`invsync cohort status` prints the same status from the running service", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ["dist/src/cli.js", "cohort", "status", "--url", svc.baseUrl, "--token", OPERATOR_TOKEN]);
    assert.match(stdout, /SKUs per path: legacy \d+, shadow \d+, new \d+/);
    assert.match(stdout, /invsync\.cohort\.shadow\s+shadow\s+yes\s+0\s+\d+\s+0\s+\d+\.\d\d% \(2\/\d+\)/);
    const json = JSON.parse((await run(process.execPath, ["dist/src/cli.js", "cohort", "status", "--json", "--url", svc.baseUrl, "--token", OPERATOR_TOKEN])).stdout);
    assert.equal(json.cohorts.length, 3);
    assert.equal(json.latestComparison.cohorts[0].mismatched, "2");
  });
});
