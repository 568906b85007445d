// Regenerates the console's screenshots in docs/console/ (`npm run screenshots:console`): starts the
// service with the console tests' data on the local PostgreSQL and NATS, drives Debian's Chromium
// through each page and saves what it shows.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { fillNewRoutingRule, openConsoleBrowser, SEEDED, signIn, startConsoleService } from "../contract-tests/support/console-stack.js";
import { OPERATOR_TOKEN, VIEWER_TOKEN } from "../contract-tests/support/test-service.js";
import { postJson, syncBatch, wmsUpdate } from "../contract-tests/support/wms-fixtures.js";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "console");
mkdirSync(out, { recursive: true });

const svc = await startConsoleService("console-screenshots");
const desktop = await openConsoleBrowser(1280, 800);
const shot = async (page: Page, name: string) => {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  console.log(`docs/console/${name}.png`);
};
try {
  const page = desktop.page;
  await page.goto(`${svc.baseUrl}/console`);
  await page.getByLabel("Operator token", { exact: true }).waitFor();
  await shot(page, "sign-in");

  await signIn(page, svc, OPERATOR_TOKEN);
  await page.getByRole("link", { name: "Review C-1 at DC-1" }).click();
  await page.getByRole("heading", { name: "Decide" }).waitFor();
  await page.getByLabel("Note", { exact: true }).fill("Counted the bin: 7");
  await shot(page, "disputes");

  await page.getByRole("link", { name: "Review C-2 at DC-1" }).click();
  await page.getByRole("heading", { name: "Decide" }).waitFor();
  await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("moved", [wmsUpdate("C-2", 7, 22, { wmsId: SEEDED.wmsId, locationId: "DC-1" })]));
  await page.getByLabel("Note", { exact: true }).fill("Recount says 25");
  await page.getByRole("button", { name: "Override count" }).click();
  await page.getByText(/Refused: on_hand is now 22/).waitFor();
  await page.getByRole("heading", { name: "Decide" }).scrollIntoViewIfNeeded();
  await shot(page, "disputes-stale");

  await page.goto(`${svc.baseUrl}/console#/stock?sku=C-1`);
  await page.getByRole("heading", { name: "C-1", level: 2 }).waitFor();
  await shot(page, "stock");

  await page.goto(`${svc.baseUrl}/console#/migration?mismatches=invsync.cohort.shadow&window=7d`);
  await page.getByRole("heading", { name: "Mismatches of invsync.cohort.shadow" }).waitFor();
  await page.locator("table", { has: page.locator("caption", { hasText: "Gates" }) }).waitFor();
  await shot(page, "migration");

  await page.goto(`${svc.baseUrl}/console#/ingestion`);
  await page.getByRole("button", { name: "Replay" }).click();
  await page.locator(".status.ok", { hasText: "Replay done" }).waitFor();
  await page.getByLabel("Reason", { exact: true }).fill("stock take in DC-1");
  await page.getByRole("button", { name: "Pause ingestion" }).click();
  await page.locator("#ingestion-state", { hasText: "stock take" }).waitFor();
  await shot(page, "ingestion");
  await page.getByRole("button", { name: "Resume ingestion" }).click();
  await page.locator("#ingestion-state", { hasText: "Running" }).waitFor();

  await page.goto(`${svc.baseUrl}/console#/audit`);
  await page.getByText(/^Page 1: /).waitFor();
  await shot(page, "audit");

  // Routing rules: one saved, a second refused beside the field (an unknown warehouse).
  await page.goto(`${svc.baseUrl}/console#/routing`);
  await page.getByText("0 routing rules.").waitFor();
  await fillNewRoutingRule(page, { id: "web-eu", channel: "web", region: "eu", warehouses: [["DC-1", 2], ["DC-2"]], split: "allowed", reason: "EU web orders from both DCs" });
  await page.getByRole("button", { name: "Create rule" }).click();
  await page.locator(".status.ok", { hasText: "Saved web-eu" }).waitFor();
  await fillNewRoutingRule(page, { id: "web-eu-fallback", channel: "web", priority: 10, warehouses: [["DC-3"]] });
  await page.getByRole("button", { name: "Create rule" }).click();
  await page.getByText(/unknown warehouse "DC-3"/).waitFor();
  await shot(page, "routing");

  const viewer = await desktop.context.newPage();
  await signIn(viewer, svc, VIEWER_TOKEN);
  await viewer.getByRole("link", { name: "Review C-3 at DC-2" }).click();
  await viewer.getByRole("heading", { name: "Decide" }).waitFor();
  await viewer.getByLabel("Note", { exact: true }).fill("viewer tries");
  await viewer.getByRole("button", { name: "Override count" }).click();
  await viewer.getByText(/Your token may not override/).waitFor();
  await viewer.setViewportSize({ width: 768, height: 1024 });
  await viewer.getByRole("heading", { name: "Decide" }).scrollIntoViewIfNeeded();
  await shot(viewer, "disputes-viewer-tablet");
} finally {
  await desktop.close();
  await svc.stop();
}
