import { createClient } from "@connectrpc/connect";
import knex from "knex";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ReconciliationService } from "../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { MigrationService } from "../../gen/invsync/migration/v1/migration_service_pb.js";
import { operatorTransport } from "../../src/adapters/cli/operator-transport.js";
import { buildConsole } from "../../scripts/build-console.js";
import { runLegacyJob } from "./legacy-job.js";
import { OPERATOR_TOKEN, startTestService, type TestService } from "./test-service.js";
import { postJson, syncBatch, wmsUpdate } from "./wms-fixtures.js";

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags the console's browser runs with: headless, no network of its own, nothing remembered. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** The records the seeded service holds: five SKUs at two warehouses, four of them disputed by a snapshot. */
export const SEEDED = {
  /** sku, location, our on_hand, the WMS's count */
  records: [
    ["C-1", "DC-1", 10, 7],
    ["C-2", "DC-1", 20, 25],
    ["C-3", "DC-2", 10, 4],
    ["C-4", "DC-2", 12, 12],
    ["C-5", "DC-1", 20, 30],
  ] as const,
  wmsId: "wms-c",
  /** SKUs routed by the example cohorts (10 % new, 20 % shadow, the rest legacy). */
  migrating: Array.from({ length: 60 }, (_, i) => `M-${i + 1}`),
  /** How many shadow SKUs legacy counts one higher than the WMS sent. */
  disagreeing: 2,
};

/** The example cohorts, with the disputed SKUs on the new path by name (an explicit list). */
function cohortsFile(): string {
  const flags = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../flags/example-cohorts.json"), "utf8"));
  const cohort = flags.features.find((f: { name: string }) => f.name === "invsync.cohort.new");
  cohort.strategies[1].constraints[0].values.push(...SEEDED.records.map(([sku]) => sku));
  const file = join(mkdtempSync(join(tmpdir(), "invsync-console-flags-")), "cohorts.json");
  writeFileSync(file, JSON.stringify(flags));
  return file;
}

/**
 * A running service for the console's tests and screenshots, with data: WMS updates for five SKUs
 * (and one update the ACL rejects, for the inbox evidence), then a snapshot whose counts differ
 * for four records, which opens disputes; and 60 SKUs routed by the example cohorts, whose shadow
 * records legacy's nightly job counts (two of them wrong) and a shadow comparison compares. The
 * console is built into dist/console first. `env` adds settings (a pull endpoint, say).
 */
export async function startConsoleService(label: string, env: Record<string, string> = {}): Promise<TestService> {
  await buildConsole();
  const svc = await startTestService(label, { RECONCILE_DAILY_AT: "off", RECONCILE_TOLERANCE_UNITS: "1", FLAGS_BOOTSTRAP_FILE: cohortsFile(), ...env });
  const updates = SEEDED.records.map(([sku, locationId, onHand], i) => wmsUpdate(sku, i + 1, onHand, { wmsId: SEEDED.wmsId, locationId, observedAt: minutesAgo(90) }));
  const seeded = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("seed-1", updates));
  if (seeded.body.accepted !== SEEDED.records.length) throw new Error(`seeding failed: ${JSON.stringify(seeded.body)}`);
  await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("seed-2", [wmsUpdate("C-1", 6, -4, { wmsId: SEEDED.wmsId, locationId: "DC-1", observedAt: minutesAgo(80) })]));
  const client = createClient(ReconciliationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN));
  const begun = await client.beginSnapshot({ wmsId: SEEDED.wmsId, snapshotRef: "nightly", takenAt: { seconds: BigInt(Math.floor(Date.now() / 1000) - 60), nanos: 0 } });
  await client.addSnapshotCounts({ runId: begun.run!.runId, counts: SEEDED.records.map(([sku, locationId, , count]) => ({ sku, locationId, quantity: BigInt(count) })) });
  await client.completeSnapshot({ runId: begun.run!.runId, expectedLines: BigInt(SEEDED.records.length) });

  const routed = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("cohorts-1", SEEDED.migrating.map((sku, i) => wmsUpdate(sku, 100 + i, 5 + (i % 7), { wmsId: SEEDED.wmsId, locationId: "DC-1" }))));
  if (routed.body.accepted !== SEEDED.migrating.length) throw new Error(`seeding the cohorts failed: ${JSON.stringify(routed.body)}`);
  const db = knex({ client: "pg", connection: svc.database.url, pool: { min: 0, max: 1 } });
  try {
    const shadow = await db("sku_routes").where({ path: "shadow" }).orderBy("sku").pluck("sku");
    await runLegacyJob(db, "nightly-1", shadow.slice(0, SEEDED.disagreeing));
  } finally {
    await db.destroy();
  }
  await createClient(MigrationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN)).compareShadow({});
  return svc;
}

/** A headless Chromium with a fresh profile, one page at `width`×`height`. */
export interface ConsoleBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

export async function openConsoleBrowser(width = 1280, height = 800): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "invsync-console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width, height },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in to the console at `svc` with `token` and waits for the Disputes page. */
export async function signIn(page: Page, svc: TestService, token: string): Promise<void> {
  await page.goto(`${svc.baseUrl}/console`);
  await page.getByLabel("Operator token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Disputes", level: 1 }).waitFor();
}

/** What {@link fillNewRoutingRule} types into the console's rule form. */
export interface RuleForm {
  readonly id: string;
  readonly channel?: string;
  readonly region?: string;
  readonly priority?: number;
  /** In order: a location, and its safety stock when not 0. */
  readonly warehouses: ReadonlyArray<readonly [location: string, safetyStock?: number]>;
  readonly split?: "never" | "allowed";
  readonly reason?: string;
}

/** On the Routing rules page: opens "New rule" and fills the form with `rule` (it does not submit it). */
export async function fillNewRoutingRule(page: Page, rule: RuleForm): Promise<void> {
  const field = (label: string) => page.getByLabel(label, { exact: true });
  await page.getByRole("button", { name: "New rule" }).click();
  await field("Rule id").fill(rule.id);
  if (rule.channel !== undefined) await field("Channel").fill(rule.channel);
  if (rule.region !== undefined) await field("Region").fill(rule.region);
  if (rule.priority !== undefined) await field("Priority").fill(String(rule.priority));
  for (const [i, [location, safetyStock]] of rule.warehouses.entries()) {
    if (i > 0) await page.getByRole("button", { name: "Add warehouse" }).click();
    await field(`Warehouse ${i + 1}`).fill(location);
    if (safetyStock) await field(`Safety stock at warehouse ${i + 1}`).fill(String(safetyStock));
  }
  if (rule.split !== undefined) await field("Split policy").selectOption(rule.split);
  if (rule.reason !== undefined) await field("Reason").fill(rule.reason);
}
