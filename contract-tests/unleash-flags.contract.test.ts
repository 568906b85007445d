import { createClient } from "@connectrpc/connect";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IngestionPath, RouteReason } from "../gen/invsync/events/v1/routing_pb.js";
import { FlagRole } from "../gen/invsync/migration/v1/cohort_pb.js";
import { MigrationService } from "../gen/invsync/migration/v1/migration_service_pb.js";
import { readEvents } from "./support/event-reader.js";
import { cohortStrategies } from "./support/flag-files.js";
import { FLAG_NAMES } from "./support/routed-stack.js";
import { OPERATOR_TOKEN, startTestService, type TestService } from "./support/test-service.js";
import { operatorTransport } from "../src/adapters/cli/operator-transport.js";
import { UnleashServer } from "./support/unleash-server.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const REFRESH_MS = 1000;
const TIMEOUT_MS = 1000;

describe("contract: flags from a real Unleash server (unleash-server, its own database)", function () {
  this.timeout(180_000);
  let unleash: UnleashServer;
  const backupDir = mkdtempSync(join(tmpdir(), "invsync-unleash-backup-"));
  const services: TestService[] = [];
  let sequence = 0;

  const start = async (label: string, dir = backupDir): Promise<TestService> => {
    const svc = await startTestService(label, {
      UNLEASH_URL: unleash.apiUrl,
      UNLEASH_API_TOKEN: unleash.backendToken,
      UNLEASH_REFRESH_INTERVAL_MS: String(REFRESH_MS),
      UNLEASH_TIMEOUT_MS: String(TIMEOUT_MS),
      UNLEASH_BACKUP_DIR: dir,
    });
    services.push(svc);
    return svc;
  };
  /** Sends one update for `sku` and returns the path the service recorded for it. */
  const pathOf = async (svc: TestService, sku: string): Promise<string> => {
    const seq = ++sequence;
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(`b-${seq}`, [wmsUpdate(sku, seq, seq, { wmsId: "w-unleash" })]));
    assert.equal(res.body.accepted, 1);
    const client = await import("pg").then(({ default: pg }) => new pg.Client({ connectionString: svc.database.url }));
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT path FROM wms_updates WHERE wms_id = 'w-unleash' AND sequence = $1`, [seq]);
      return rows[0].path;
    } finally {
      await client.end();
    }
  };

  before(async () => {
    unleash = await UnleashServer.start();
    await unleash.admin("POST", "/context", { name: "sku", stickiness: true });
    await unleash.createFlag(FLAG_NAMES.cohort, cohortStrategies(0, ["FLIP-1"])[0]!);
    await unleash.createFlag(FLAG_NAMES.shadow, cohortStrategies(0, ["SHADOW-1"])[0]!);
    await unleash.createFlag(FLAG_NAMES.killSwitch, { name: "default", parameters: {}, constraints: [{ contextName: "location", operator: "IN", values: ["PAUSED-DC"] }] });
  });
  after(async () => {
    for (const svc of services) await svc.stop().catch(() => undefined);
    await unleash?.destroy();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it("routes by the server's flags, and a cohort flip moves traffic within one refresh interval", async () => {
    const svc = await start("unleash_flip");
    assert.equal(await pathOf(svc, "FLIP-1"), "new");
    assert.equal(await pathOf(svc, "FLIP-2"), "legacy");
    assert.equal(await pathOf(svc, "SHADOW-1"), "shadow");

    await unleash.updateStrategy(FLAG_NAMES.cohort, cohortStrategies(0, ["FLIP-1", "FLIP-2"])[0]!);
    // Unleash publishes the change to its client API on its own schedule; from then on a client sees
    // it at its next refresh: at most one interval after its last fetch, plus that fetch's timeout.
    for (;;) {
      const cohort = (await unleash.clientFeatures()).find((f) => f.name === FLAG_NAMES.cohort);
      if (cohort?.strategies[0]?.constraints?.[0]?.values?.includes("FLIP-2")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + TIMEOUT_MS));
    assert.equal(await pathOf(svc, "FLIP-2"), "new", "the flip reached the service within one refresh interval");

    const events = await readEvents(svc.config.natsUrl, svc.stream.stream, 1, { filterSubject: `${svc.stream.subjectPrefix}.v1.*.FLIP-2` });
    const [event] = events.map((e) => e.event);
    assert.equal(events.length, 1, "FLIP-2 was published once, after it moved to the new path");
    assert.equal(event?.path, IngestionPath.NEW);
    assert.equal(event?.routing?.reason, RouteReason.COHORT_FLAG);
    assert.equal(event?.routing?.flagsSource, `unleash:${unleash.apiUrl}`);
    assert.equal(event?.cutover, undefined, "the batch's own count is newer than the legacy-era one, so no seed was needed");

    const status = await createClient(MigrationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN)).getCohortStatus({});
    assert.equal(status.flags?.synchronized, true);
    const cohort = status.cohorts.find((c) => c.role === FlagRole.COHORT)!;
    assert.deepEqual([cohort.known, cohort.enabled, cohort.strategies], [true, true, ["default; sku IN [FLIP-1, FLIP-2]"]]);
    assert.equal(cohort.paths.find((p) => p.path === IngestionPath.NEW)?.skus, 2n);
  });

  it("pauses the new path where the kill switch is on (a location constraint)", async () => {
    const svc = services[0]!;
    const seq = ++sequence;
    await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(`b-${seq}`, [wmsUpdate("FLIP-1", seq, 1, { wmsId: "w-unleash-kill", locationId: "PAUSED-DC" })]));
    const status = await createClient(MigrationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN)).getCohortStatus({});
    const kill = status.cohorts.find((c) => c.role === FlagRole.KILL_SWITCH)!;
    assert.equal(kill.paths.find((p) => p.path === IngestionPath.LEGACY)?.skus, 1n);
  });

  it("keeps routing from its cache and its backup file while Unleash is down; with neither, everything is legacy", async () => {
    assert.ok(readdirSync(backupDir).some((file) => file.startsWith("unleash-backup-")), "the client keeps a backup of the last flags");
    await unleash.stop();
    const running = services[0]!;
    assert.equal(await pathOf(running, "FLIP-2"), "new", "a running service routes from its cached flags");

    const restarted = await start("unleash_backup");
    assert.equal(await pathOf(restarted, "FLIP-2"), "new", "a service started while Unleash is down routes from the backup");

    const emptyBackup = mkdtempSync(join(tmpdir(), "invsync-unleash-none-"));
    try {
      const blind = await start("unleash_blind", emptyBackup);
      assert.equal(await pathOf(blind, "FLIP-1"), "legacy", "no flags at all: the safe path");
      const status = await createClient(MigrationService, operatorTransport(blind.baseUrl, OPERATOR_TOKEN)).getCohortStatus({});
      assert.equal(status.flags?.ready, false);
    } finally {
      rmSync(emptyBackup, { recursive: true, force: true });
    }
  });
});
