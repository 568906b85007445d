import { createClient } from "@connectrpc/connect";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { IngestionPath } from "../gen/invsync/events/v1/routing_pb.js";
import { MigrationService } from "../gen/invsync/migration/v1/migration_service_pb.js";
import { GateStatus, ScorecardWindow } from "../gen/invsync/migration/v1/scorecard_pb.js";
import { DiscrepancyStatus, OverrideReason } from "../gen/invsync/inventory/v1/reconciliation_pb.js";
import { ReconciliationService } from "../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { SplitPolicy } from "../gen/invsync/inventory/v1/routing_rule_pb.js";
import { RoutingRuleService } from "../gen/invsync/inventory/v1/routing_rule_service_pb.js";
import { operatorTransport } from "../src/adapters/cli/operator-transport.js";
import { fillNewRoutingRule, openConsoleBrowser, SEEDED, signIn, startConsoleService, type ConsoleBrowser } from "./support/console-stack.js";
import { OPERATOR_TOKEN, VIEWER_TOKEN, type TestService } from "./support/test-service.js";
import { FakeWms } from "./support/fake-wms.js";
import { waitForValue } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

/** The error shown beside the field labelled `label` (`<id>-error`, which its aria-describedby names). */
async function errorBeside(page: Page, label: string): Promise<string> {
  // Read in one step in the page, so a re-render between finding the field and reading its error cannot leave a stale id.
  return page.getByLabel(label, { exact: true }).evaluate((control) => control.ownerDocument.getElementById(`${control.id}-error`)?.textContent ?? "");
}

/**
 * Waits for the error beside the field labelled `label` to match `pattern`. The field is looked up on
 * every try: a submit that changes the route renders the page again, with a new field (and id) in place
 * of the one the click was on.
 */
async function waitForErrorBeside(page: Page, label: string, pattern: RegExp): Promise<string> {
  return waitForValue(`an error matching ${pattern} beside ${label}`, async () => {
    const text = await errorBeside(page, label);
    return pattern.test(text) ? text : undefined;
  }, 30_000);
}

const rows = (page: Page, caption: string) => page.locator("table", { has: page.locator("caption", { hasText: caption }) }).locator("tbody tr");

describe("contract: the operator console in a real browser (Chromium via playwright-core)", function () {
  this.timeout(90_000);
  let svc: TestService;
  let browser: ConsoleBrowser;
  let page: Page;
  let wms: FakeWms;
  const api = () => createClient(ReconciliationService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN));
  const onHandAt = async (sku: string, location: string) => {
    const { body } = await postJson(`${svc.baseUrl}/invsync.console.v1.ConsoleService/DescribeStock`, { sku, locationId: location }, { authorization: `Bearer ${VIEWER_TOKEN}` });
    return body.records[0].onHand as string;
  };
  const routing = () => createClient(RoutingRuleService, operatorTransport(svc.baseUrl, OPERATOR_TOKEN));
  const ruleNow = async (ruleId: string) => (await routing().listRoutingRules({})).rules.find((r) => r.ruleId === ruleId);
  const openRouting = async (token: string) => {
    await signIn(page, svc, token);
    await page.getByRole("link", { name: "Routing rules" }).click();
    await page.getByRole("heading", { name: "Routing rules", level: 1 }).waitFor();
    await page.locator(".status.ok", { hasText: /routing rules?\./ }).waitFor();
  };
  const openDisputes = async () => (await api().listDiscrepancies({ status: DiscrepancyStatus.OPEN })).discrepancies.map((d) => d.sku).sort();

  before(async () => {
    wms = await FakeWms.start();
    svc = await startConsoleService("console-browser", { WMS_PULL_URL: wms.url, WMS_PULL_PAGE_SIZE: "100" });
    browser = await openConsoleBrowser(1280, 800);
  });
  beforeEach(async () => {
    // A new tab each time: its session storage starts empty.
    page = await browser.context.newPage();
  });
  afterEach(async () => {
    await page?.close();
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
    await wms?.close();
  });

  it("signs in with the token once, kept in this tab's session storage; a wrong token is refused beside the field; signing out forgets it", async () => {
    await page.goto(`${svc.baseUrl}/console`);
    await page.getByLabel("Operator token", { exact: true }).fill("not-a-known-token-at-all-0000");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match(await waitForErrorBeside(page, "Operator token", /unauthenticated/), /unauthenticated \(ACCESS\.CREDENTIAL_UNKNOWN\)/);
    assert.equal(await page.evaluate("sessionStorage.length"), 0, "a refused token is not kept");

    await page.getByLabel("Operator token", { exact: true }).fill(OPERATOR_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Disputes", level: 1 }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('invsync.console.token')"), OPERATOR_TOKEN);
    assert.equal(await page.evaluate("localStorage.length"), 0, "nothing outlives the tab");
    await page.reload();
    await page.getByRole("heading", { name: "Disputes", level: 1 }).waitFor();
    await page.getByText("4 open disputes.").waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.length"), 0);
  });

  it("lists the open disputes and filters them by warehouse, SKU, age and size", async () => {
    await signIn(page, svc, OPERATOR_TOKEN);
    await page.getByText("4 open disputes.").waitFor();
    const skus = async () => (await rows(page, "Open disputes").locator("td:first-child").allTextContents()).sort();
    assert.deepEqual(await skus(), ["C-1", "C-2", "C-3", "C-5"]);
    await page.getByLabel("Warehouse (location)", { exact: true }).fill("DC-2");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("1 open dispute (of 4 open).").waitFor();
    assert.deepEqual(await skus(), ["C-3"]);
    await page.getByLabel("Warehouse (location)", { exact: true }).fill("");
    await page.getByLabel("Size at least (units)", { exact: true }).fill("6");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("2 open disputes (of 4 open).").waitFor();
    assert.deepEqual(await skus(), ["C-3", "C-5"]);
    await page.getByLabel("Age", { exact: true }).selectOption("1d");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("0 open disputes (of 4 open).").waitFor();
    await page.getByLabel("Size at least (units)", { exact: true }).fill("");
    await page.getByLabel("Age", { exact: true }).selectOption("");
    await page.getByLabel("SKU", { exact: true }).fill("C-2");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("1 open dispute.").waitFor();
    assert.deepEqual(await skus(), ["C-2"]);
  });

  it("resolves a dispute with the evidence beside the form: WMS count, our count, reservations, events and inbox rows, the last run", async () => {
    await signIn(page, svc, OPERATOR_TOKEN);
    await page.getByRole("link", { name: "Review C-1 at DC-1" }).click();
    await page.getByRole("heading", { name: "C-1 at DC-1" }).waitFor();
    await rows(page, "Recent events of the record").first().waitFor();
    const evidence = await page.locator(".facts").textContent();
    assert.match(evidence!, /WMS count7/);
    assert.match(evidence!, /Our on_hand now10 \(version 1\)/);
    assert.match(evidence!, /Reserved now0/);
    assert.match(await page.getByText(/Last reconciliation: run \d+ of wms-c \(nightly\)/).textContent() ?? "", /5 records compared, 4 mismatched/);
    assert.match((await rows(page, "Recent events of the record").allTextContents()).join("\n"), /StockCounted.*DC-1.*\+10.*0 → 10/);
    const inbox = (await rows(page, "Recent WMS updates received for the record").allTextContents()).join("\n");
    assert.match(inbox, /wms-c · 6.*rejected: must be 0 or more, got -4/);
    assert.match(inbox, /wms-c · 1.*applied.*seed-1/);

    assert.equal(await page.getByLabel("New on_hand", { exact: true }).inputValue(), "7", "pre-filled with the WMS count");
    assert.equal(await page.getByLabel("Expected current on_hand", { exact: true }).inputValue(), "10", "compare-and-set pre-filled with on_hand now");
    await page.getByRole("button", { name: "Override count" }).click();
    assert.match(await errorBeside(page, "Note"), /Say why/, "the note is asked for before anything is sent");
    await page.getByLabel("Reason", { exact: true }).selectOption({ label: "Physical count" });
    await page.getByLabel("Note", { exact: true }).fill("Counted the bin: 7");
    await page.getByRole("button", { name: "Override count" }).click();
    await page.locator(".status.ok", { hasText: "Overridden: on_hand 7" }).waitFor();
    assert.equal(await onHandAt("C-1", "DC-1"), "7");
    assert.deepEqual(await openDisputes(), ["C-2", "C-3", "C-5"]);
    const audit = await api().listAuditEntries({ sku: "C-1", action: "stock_overridden" });
    assert.deepEqual(audit.entries.map((e) => [e.actor, e.note]), [["test-operator", "Counted the bin: 7"]]);
  });

  it("refuses a stale expectation: shows the new on_hand beside the field, changes nothing, and asks again", async () => {
    await signIn(page, svc, OPERATOR_TOKEN);
    await page.getByRole("link", { name: "Review C-2 at DC-1" }).click();
    await page.getByRole("heading", { name: "C-2 at DC-1" }).waitFor();
    assert.equal(await page.getByLabel("Expected current on_hand", { exact: true }).inputValue(), "20");
    // Stock moves while the operator looks: the WMS reports 22.
    const moved = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("moved", [wmsUpdate("C-2", 7, 22, { wmsId: SEEDED.wmsId, locationId: "DC-1" })]));
    assert.equal(moved.body.accepted, 1);
    await page.getByLabel("Note", { exact: true }).fill("Recount says 25");
    await page.getByRole("button", { name: "Override count" }).click();
    const refusal = await waitForErrorBeside(page, "Expected current on_hand", /Refused/);
    assert.match(refusal, /on_hand is now 22 \(reserved 0, version 2\), not 20\. Nothing changed\./);
    assert.equal(await page.getByLabel("Expected current on_hand", { exact: true }).inputValue(), "22", "the field now holds the current value");
    assert.equal(await page.getByLabel("Note", { exact: true }).inputValue(), "Recount says 25", "nothing typed is lost");
    assert.equal(await onHandAt("C-2", "DC-1"), "22", "nothing changed");
    await page.getByRole("button", { name: "Override count" }).click();
    await page.locator(".status.ok", { hasText: "Overridden: on_hand 25" }).waitFor();
    assert.equal(await onHandAt("C-2", "DC-1"), "25");
  });

  it("refuses an override by a viewer token (permission_denied beside the field) and changes nothing", async () => {
    await signIn(page, svc, VIEWER_TOKEN);
    await page.getByRole("link", { name: "Review C-3 at DC-2" }).click();
    await page.getByRole("heading", { name: "C-3 at DC-2" }).waitFor();
    await page.getByLabel("Note", { exact: true }).fill("viewer tries");
    await page.getByRole("button", { name: "Override count" }).click();
    const refusal = await waitForErrorBeside(page, "New on_hand", /may not override/);
    assert.match(refusal, /Your token may not override: .*viewer/);
    assert.match((await page.locator(".status.error").textContent()) ?? "", /permission_denied \(ACCESS\.ROLE_TOO_LOW\)/);
    assert.equal(await onHandAt("C-3", "DC-2"), "10");
    assert.ok((await openDisputes()).includes("C-3"));
    assert.equal(await page.getByLabel("Note", { exact: true }).inputValue(), "viewer tries", "nothing typed is lost");
  });

  it("pauses ingestion with a reason (the WMS is then refused) and resumes it; shows sources, gaps and the relay backlog", async () => {
    await signIn(page, svc, OPERATOR_TOKEN);
    await page.getByRole("link", { name: "Ingestion" }).click();
    await page.getByRole("heading", { name: "Ingestion", level: 1 }).waitFor();
    await page.locator("#ingestion-state", { hasText: "Running" }).waitFor();
    await page.locator("#relay-backlog").waitFor();
    assert.match((await page.locator("#relay-backlog").textContent()) ?? "", /^\d+$/);
    // The seed's sequences jump from 6 (7 when the stale-expectation case ran) to 100.
    const gap = await rows(page, "Sequence gaps").first().locator("td").allTextContents();
    assert.equal(gap[0], "wms-c");
    assert.equal(gap[2], "99");
    assert.equal(BigInt(gap[3]!), 99n - BigInt(gap[1]!) + 1n);
    await page.getByText(/no pull source has a cursor \(pull is off, or nothing was pulled yet\)/).waitFor();
    await page.getByRole("button", { name: "Pause ingestion" }).click();
    assert.match(await errorBeside(page, "Reason"), /Say why/);
    await page.getByLabel("Reason", { exact: true }).fill("stock take in DC-1");
    await page.getByRole("button", { name: "Pause ingestion" }).click();
    await page.locator("#ingestion-state", { hasText: "stock take in DC-1" }).waitFor();
    assert.match((await page.locator("#ingestion-state").textContent()) ?? "", /^Paused since .*: stock take in DC-1$/);
    const refused = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("while-paused", [wmsUpdate("C-4", 20, 13, { wmsId: SEEDED.wmsId, locationId: "DC-2" })]));
    assert.equal(refused.status, 503);
    await page.getByRole("button", { name: "Resume ingestion" }).click();
    await page.locator("#ingestion-state", { hasText: "Running" }).waitFor();
    const accepted = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("after-resume", [wmsUpdate("C-4", 20, 12, { wmsId: SEEDED.wmsId, locationId: "DC-2" })]));
    assert.equal(accepted.status, 200);

    // Replay runs and reports; a backfill without its source is asked for it beside the field.
    await page.getByRole("button", { name: "Replay" }).click();
    await page.locator(".status.ok", { hasText: "Replay done: 1 examined, 1 still rejected" }).waitFor();
    await page.getByRole("button", { name: "Backfill from the WMS" }).click();
    assert.equal(await errorBeside(page, "Source (wms_id)"), "Name the source.");
  });

  it("backfills a range from the WMS with its progress shown while it runs, then the outcome", async () => {
    wms.addReceipts("wms-b", "B-1", 1, 1000);
    wms.delayMs = 200; // ten pages of 100, each 200 ms late: a backfill of two seconds or more
    try {
      await signIn(page, svc, OPERATOR_TOKEN);
      await page.getByRole("link", { name: "Ingestion" }).click();
      await page.getByLabel("Source (wms_id)", { exact: true }).waitFor();
      // Every text the backfill form's status line shows, in order.
      await page.evaluate(`(() => {
        const status = document.querySelector('form[aria-label="Backfill"] .status');
        window.seen = [];
        new MutationObserver(() => window.seen.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
      })()`);
      await page.getByLabel("Source (wms_id)", { exact: true }).fill("wms-b");
      await page.getByRole("button", { name: "Backfill from the WMS" }).click();
      await page.locator(".status.ok", { hasText: "Backfill done: 1000 received, 1000 accepted, 0 duplicate, 0 stale, 0 rejected." }).waitFor();
      const seen = await page.evaluate<string[]>("window.seen");
      const during = seen.filter((text) => /^Backfill: running for \d+ s; processed since it started: \d+ accepted/.test(text));
      assert.ok(during.length > 0, seen.join("\n"));
      const counts = during.map((text) => Number(/(\d+) accepted/.exec(text)![1]));
      assert.ok(counts.some((n) => n > 0 && n < 1000), `a count part way through: ${counts.join(", ")}`);
      assert.deepEqual([...counts].sort((a, b) => a - b), counts, "the count only grows");
    } finally {
      wms.delayMs = 0;
    }
  });

  it("finds a SKU: per location on_hand, reserved, available, its path and why, and a timeline; an unknown SKU is said beside the field", async () => {
    await signIn(page, svc, OPERATOR_TOKEN);
    await page.getByRole("link", { name: "Stock" }).click();
    await page.getByLabel("SKU", { exact: true }).fill("C-4");
    await page.getByLabel("SKU", { exact: true }).press("Enter");
    await page.getByRole("heading", { name: "C-4", level: 2 }).waitFor();
    const cells = await rows(page, "Per location").first().locator("td").allTextContents();
    assert.deepEqual(cells.slice(0, 4), ["DC-2", "12", "0", "12"], "location, on_hand, reserved, available");
    assert.equal(cells[6], "new", "its path");
    assert.match(cells[7]!, /^flag invsync\.cohort\.new: .*"reason":"cohort_flag"/, "why it takes that path");
    const timeline = await page.locator(".timeline li").allTextContents();
    assert.ok(timeline.some((t) => /StockCounted at DC-2: on_hand 0 → 12/.test(t)), timeline.join("\n"));
    assert.ok(timeline.some((t) => /WMS update wms-c #4 at DC-2: quantity 12, applied/.test(t)), timeline.join("\n"));

    await page.getByLabel("SKU", { exact: true }).fill("NOPE-1");
    await page.getByRole("button", { name: "Find" }).click();
    assert.match(await waitForErrorBeside(page, "SKU", /not known/), /NOPE-1 is not known here/);
    await page.getByLabel("SKU", { exact: true }).fill("not a sku");
    await page.getByRole("button", { name: "Find" }).click();
    assert.match(await waitForErrorBeside(page, "SKU", /letters/), /may contain only letters, digits/);
  });

  it("shows cohorts with SKUs per path and the shadow mismatch rate, and links to the mismatches (both values, each to its SKU)", async () => {
    const status = await createClient(MigrationService, operatorTransport(svc.baseUrl, VIEWER_TOKEN)).getCohortStatus({});
    const on = (path: IngestionPath) => status.paths.find((p) => p.path === path)?.skus ?? 0n;
    await signIn(page, svc, VIEWER_TOKEN);
    await page.getByRole("link", { name: "Migration" }).click();
    await page.getByRole("heading", { name: "Migration", level: 1 }).waitFor();
    await page.getByText(/SKUs per path/).waitFor();
    assert.match((await page.locator(".facts").textContent()) ?? "", new RegExp(`legacy ${on(IngestionPath.LEGACY)} · shadow ${on(IngestionPath.SHADOW)} · new ${on(IngestionPath.NEW)}`));
    const shadow = await rows(page, "Cohorts").filter({ hasText: "invsync.cohort.shadow" }).locator("td").allTextContents();
    assert.deepEqual(shadow.slice(0, 3), ["invsync.cohort.shadow", "shadow", "yes"]);
    assert.equal(shadow[5], String(on(IngestionPath.SHADOW)), "SKUs on the shadow path");
    assert.match(shadow[7]!, new RegExp(`^40\\.00 % \\(${SEEDED.disagreeing} of ${on(IngestionPath.SHADOW)}\\)$`));
    await page.getByRole("link", { name: "Mismatches of invsync.cohort.shadow" }).click();
    await page.getByRole("heading", { name: "Mismatches of invsync.cohort.shadow" }).waitFor();
    const mismatches = await rows(page, "Shadow and legacy counts that disagree").all();
    assert.equal(mismatches.length, SEEDED.disagreeing);
    const [sku, , shadowCount, legacyCount] = await mismatches[0]!.locator("td").allTextContents();
    assert.equal(BigInt(legacyCount!), BigInt(shadowCount!) + 1n, "legacy counted one more");
    await mismatches[0]!.getByRole("link", { name: sku! }).click();
    await page.getByRole("heading", { name: sku!, level: 2 }).waitFor();
    assert.equal((await rows(page, "Per location").first().locator("td").allTextContents())[6], "shadow");
  });

  it("shows the gate scorecard to a viewer: each gate's result, what it observed against its threshold, per window and cohort", async () => {
    const migration = createClient(MigrationService, operatorTransport(svc.baseUrl, VIEWER_TOKEN));
    const expected = await migration.getScorecard({ window: ScorecardWindow.LAST_7D, cohort: "invsync.cohort.shadow" });
    await signIn(page, svc, VIEWER_TOKEN);
    await page.goto(`${svc.baseUrl}/console#/migration`);
    await page.getByRole("heading", { name: "Gate scorecard" }).waitFor();
    await rows(page, "Gates").first().waitFor();
    await page.getByLabel("Window", { exact: true }).selectOption({ label: "Last 7 days" });
    await page.getByLabel("Cohort", { exact: true }).selectOption("invsync.cohort.shadow");
    await page.getByRole("button", { name: "Score" }).click();
    await page.waitForURL(/window=7d&cohort=invsync.cohort.shadow/);
    await rows(page, "Gates").first().waitFor();
    const LABELS: Record<number, string> = { [GateStatus.PASS]: "Pass", [GateStatus.FAIL]: "Fail", [GateStatus.NO_BASELINE_YET]: "No baseline yet", [GateStatus.NO_DATA]: "No data" };
    const shown = await Promise.all((await rows(page, "Gates").all()).map((row) => row.locator("td").allTextContents()));
    assert.deepEqual(
      shown.map((cells) => [cells[1], cells[4]]),
      expected.gates.map((g) => [LABELS[g.status], g.detail]),
      "every gate as the service scored it",
    );
    assert.deepEqual(shown.map((cells) => cells[0]), ["Freshness", "Oversell", "Discrepancy"]);
    const shadowRow = (await rows(page, "Per path over the window").filter({ hasText: /^shadow/ }).locator("td").allTextContents());
    const shadowScore = expected.paths.find((p) => p.path === IngestionPath.SHADOW)!;
    assert.equal(shadowRow[1], String(shadowScore.skus));
    assert.match(shadowRow[5]!, /^40\.00 % \(2 of 5\)$/, "the shadow mismatch rate of the cohort");
  });

  it("searches and pages the audit log", async () => {
    // 30 confirmed counts of C-4: more than a page (25).
    for (let i = 0; i < 30; i++) await api().overrideStockCount({ sku: "C-4", locationId: "DC-2", countedOnHand: 12n, expectedOnHand: 12n, reason: OverrideReason.PHYSICAL_COUNT, note: `count ${i + 1}` });
    await signIn(page, svc, OPERATOR_TOKEN);
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByLabel("SKU", { exact: true }).fill("C-4");
    await page.getByLabel("Action", { exact: true }).fill("stock_overridden");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("Page 1: 25 entries, oldest first.").waitFor();
    assert.match((await rows(page, "Audit entries").first().textContent()) ?? "", /test-operator \(operator\)stock_overriddenC-4DC-2.*count 1/);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2: 5 entries, oldest first.").waitFor();
    assert.match((await rows(page, "Audit entries").last().textContent()) ?? "", /count 30/);
    assert.equal(await page.getByRole("button", { name: "Next page" }).isDisabled(), true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByText("Page 1: 25 entries, oldest first.").waitFor();
  });

  it("creates a routing rule: ordered warehouses with safety stock, a split policy; listed with its version and who changed it", async () => {
    await openRouting(OPERATOR_TOKEN);
    await page.getByText("0 routing rules.").waitFor();
    await page.getByRole("button", { name: "New rule" }).click();
    await page.getByRole("heading", { name: "New rule", level: 2 }).waitFor();
    await page.getByLabel("Rule id", { exact: true }).fill("web-eu");
    await page.getByLabel("Channel", { exact: true }).fill("web");
    await page.getByLabel("Region", { exact: true }).fill("eu");
    await page.getByLabel("Warehouse 1", { exact: true }).fill("DC-1");
    await page.getByLabel("Safety stock at warehouse 1", { exact: true }).fill("2");
    await page.getByRole("button", { name: "Add warehouse" }).click();
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('data-field')"), "warehouses[1].location_id", "the new warehouse takes the focus");
    await page.keyboard.type("DC-2");
    await page.getByLabel("Split policy", { exact: true }).selectOption("allowed");
    await page.getByLabel("Most warehouses per reservation (N)", { exact: true }).fill("2");
    await page.getByLabel("Reason", { exact: true }).fill("EU web orders from both DCs");
    assert.equal(await page.getByLabel("Expected version", { exact: true }).inputValue(), "0", "a new rule must not exist yet");
    await page.getByRole("button", { name: "Create rule" }).click();
    await page.locator(".status.ok", { hasText: "Saved web-eu at version 1 (split across up to 2; DC-1 → DC-2)." }).waitFor();
    const saved = await ruleNow("web-eu");
    assert.deepEqual(
      [saved?.channel, saved?.region, saved?.warehouses.map((w) => [w.locationId, w.safetyStock]), saved?.split, saved?.maxLocations, saved?.version, saved?.updatedBy],
      ["web", "eu", [["DC-1", 2n], ["DC-2", 0n]], SplitPolicy.ALLOWED, 2, 1, "test-operator"],
    );
    const cells = await rows(page, "Routing rules").filter({ hasText: "web-eu" }).locator("td").allTextContents();
    assert.deepEqual(cells.slice(0, 7), ["web-eu", "web", "eu", "0", "DC-1 (safety 2)DC-2", "split across up to 2", "1"]);
    assert.match(cells[7]!, / by test-operator$/);
    assert.equal(await page.getByLabel("Expected version", { exact: true }).inputValue(), "1", "a further edit compares against the saved version");
    const audit = await api().listAuditEntries({ action: "routing_rule_put" });
    assert.deepEqual(audit.entries.map((e) => [e.actor, e.reason]), [["test-operator", "EU web orders from both DCs"]]);
  });

  it("edits a rule (reordered from the keyboard); a stale version is refused, shows the rule as it is now, keeps what was typed and asks again", async () => {
    await openRouting(OPERATOR_TOKEN);
    await page.getByRole("button", { name: "Edit web-eu" }).click();
    await page.getByRole("heading", { name: "Edit web-eu", level: 2 }).waitFor();
    assert.equal(await page.getByLabel("Rule id", { exact: true }).getAttribute("readonly"), "", "a rule is not renamed");
    assert.equal(await page.getByLabel("Expected version", { exact: true }).inputValue(), "1");
    await page.getByRole("button", { name: "Move warehouse 2 up" }).press("Enter");
    assert.equal(await page.getByLabel("Warehouse 1", { exact: true }).inputValue(), "DC-2");
    assert.equal(await page.getByLabel("Safety stock at warehouse 2", { exact: true }).inputValue(), "2", "the safety stock moves with its warehouse");
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('aria-label')"), "Move warehouse 1 down", "the focus follows the moved warehouse");
    await page.getByLabel("Safety stock at warehouse 1", { exact: true }).fill("1");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.locator(".status.ok", { hasText: "Saved web-eu at version 2" }).waitFor();
    assert.deepEqual((await ruleNow("web-eu"))?.warehouses.map((w) => [w.locationId, w.safetyStock]), [["DC-2", 1n], ["DC-1", 2n]]);

    // Someone else changes the rule while this form is open.
    const other = (await ruleNow("web-eu"))!;
    await routing().putRoutingRule({ rule: { ...other, split: SplitPolicy.NEVER, maxLocations: 1, description: "changed elsewhere" }, expectedVersion: 2, reason: "meanwhile" });
    await page.getByLabel("Priority", { exact: true }).fill("7");
    await page.getByLabel("Description", { exact: true }).fill("typed here");
    await page.getByRole("button", { name: "Save rule" }).click();
    const refusal = await waitForErrorBeside(page, "Expected version", /Refused/);
    assert.match(refusal, /the rule is now at version 3, changed .* by test-operator, not 2\. Nothing changed\./);
    assert.equal(await page.getByLabel("Expected version", { exact: true }).inputValue(), "3", "the field now holds the current version");
    assert.match((await page.locator(".current-rule").textContent()) ?? "", /web-eu as it is now \(version 3\).*never split.*changed elsewhere/);
    assert.equal(await page.getByLabel("Priority", { exact: true }).inputValue(), "7", "nothing typed is lost");
    assert.equal(await page.getByLabel("Description", { exact: true }).inputValue(), "typed here", "nothing typed is lost");
    assert.deepEqual([(await ruleNow("web-eu"))?.version, (await ruleNow("web-eu"))?.priority], [3, 0], "nothing changed");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.locator(".status.ok", { hasText: "Saved web-eu at version 4" }).waitFor();
    const now = await ruleNow("web-eu");
    assert.deepEqual([now?.priority, now?.description, now?.split], [7, "typed here", SplitPolicy.ALLOWED]);
  });

  it("refuses an unknown warehouse and a conflicting rule beside the field, keeps what was typed, and saves nothing", async () => {
    await openRouting(OPERATOR_TOKEN);
    await fillNewRoutingRule(page, { id: "web-eu-2", channel: "web", region: "eu", priority: 7, warehouses: [["DC-1"], ["NOWHERE"]] });
    await page.getByRole("button", { name: "Create rule" }).click();
    assert.equal(await waitForErrorBeside(page, "Warehouse 2", /unknown/), 'unknown warehouse "NOWHERE": no stock record of any SKU is at this location');
    assert.equal(await errorBeside(page, "Warehouse 1"), "", "only the field the server named");
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('data-field')"), "warehouses[1].location_id", "the focus goes to the field refused");
    assert.equal(await page.getByLabel("Warehouse 2", { exact: true }).inputValue(), "NOWHERE", "nothing typed is lost");
    assert.equal(await ruleNow("web-eu-2"), undefined, "nothing saved");

    await page.getByRole("button", { name: "Remove warehouse 2" }).click();
    await page.getByRole("button", { name: "Create rule" }).click();
    assert.match(await waitForErrorBeside(page, "Priority", /already has priority/), /^rule "web-eu" already has priority 7 for channel "web", region "eu"/);
    assert.equal(await ruleNow("web-eu-2"), undefined, "nothing saved");
    await page.getByLabel("Priority", { exact: true }).fill("8");
    await page.getByRole("button", { name: "Create rule" }).click();
    await page.locator(".status.ok", { hasText: "Saved web-eu-2 at version 1" }).waitFor();
    assert.equal(await errorBeside(page, "Priority"), "", "the earlier error is cleared");
  });

  it("shows the rules to a viewer and refuses a viewer's change or delete with permission_denied, changing nothing", async () => {
    await openRouting(VIEWER_TOKEN);
    await rows(page, "Routing rules").filter({ hasText: "web-eu-2" }).waitFor();
    await page.getByRole("button", { name: "Edit web-eu", exact: true }).click();
    await page.getByLabel("Description", { exact: true }).fill("viewer tries");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.locator("#rule-editor .status.error").waitFor();
    assert.match((await page.locator("#rule-editor .status.error").textContent()) ?? "", /^Your token may not change routing rules: permission_denied \(ACCESS\.ROLE_TOO_LOW\): .*viewer/);
    assert.equal(await page.getByLabel("Description", { exact: true }).inputValue(), "viewer tries", "nothing typed is lost");
    assert.deepEqual([(await ruleNow("web-eu"))?.version, (await ruleNow("web-eu"))?.description], [4, "typed here"], "nothing changed");
    await page.getByRole("button", { name: "Delete web-eu-2" }).click();
    await page.getByLabel("Reason for deleting", { exact: true }).fill("viewer tries");
    await page.getByRole("button", { name: "Delete web-eu-2" }).last().click();
    await page.locator("#rule-editor .status.error", { hasText: "permission_denied" }).waitFor();
    assert.ok(await ruleNow("web-eu-2"), "not deleted");
  });

  it("deletes a rule with a reason (asked for first), and the deletion is audited", async () => {
    await openRouting(OPERATOR_TOKEN);
    await page.getByRole("button", { name: "Delete web-eu-2" }).click();
    await page.getByRole("heading", { name: "Delete web-eu-2", level: 2 }).waitFor();
    const confirm = page.locator("#rule-editor").getByRole("button", { name: "Delete web-eu-2" });
    await confirm.click();
    assert.equal(await errorBeside(page, "Reason for deleting"), "Say why (1 to 500 characters).");
    assert.ok(await ruleNow("web-eu-2"), "not deleted without a reason");
    await page.getByLabel("Reason for deleting", { exact: true }).fill("EU web orders need one rule");
    await confirm.click();
    await page.locator(".status.ok", { hasText: "Deleted web-eu-2 (it was at version 1)." }).waitFor();
    await page.getByText("1 routing rule.").waitFor();
    assert.deepEqual((await routing().listRoutingRules({})).rules.map((r) => r.ruleId), ["web-eu"]);
    const audit = await api().listAuditEntries({ action: "routing_rule_deleted" });
    assert.deepEqual(audit.entries.map((e) => [e.actor, e.reason]), [["test-operator", "EU web orders need one rule"]]);
  });

  it("works from the keyboard alone: sign in, move between pages, find a SKU, open a dispute", async () => {
    await page.goto(`${svc.baseUrl}/console`);
    await page.keyboard.type(OPERATOR_TOKEN); // the token field has the focus
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Disputes", level: 1 }).waitFor();
    const focused = () => page.evaluate<string>("document.activeElement?.getAttribute('aria-label') || (document.activeElement?.textContent ?? '').trim()");
    const tabTo = async (text: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press("Tab");
        if ((await focused()) === text) return;
      }
      throw new Error(`Tab never reached ${text}`);
    };
    await page.keyboard.press("Shift+Tab"); // back to the top of the page…
    await tabTo("Skip to content"); // …whose first stop skips the navigation
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate("document.activeElement?.id"), "main");
    assert.equal(await page.evaluate("location.hash"), "#/disputes", "skipping does not change the page");
    await tabTo("Stock");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Stock", level: 1 }).waitFor();
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('data-field')"), "sku", "the SKU field has the focus");
    await page.keyboard.type("C-5");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "C-5", level: 2 }).waitFor();
    await page.keyboard.press("Shift+Tab");
    await tabTo("Disputes");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Disputes", level: 1 }).waitFor();
    await tabTo("Review C-5 at DC-1");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "C-5 at DC-1" }).waitFor();
    await page.getByRole("heading", { name: "Decide" }).waitFor();
    assert.equal(await page.evaluate("document.activeElement?.textContent"), "C-5 at DC-1", "the evidence heading takes the focus");
    const outline = await page.evaluate("(() => { const link = document.querySelector('nav a'); link.focus(); return getComputedStyle(link).outlineStyle; })()");
    assert.notEqual(outline, "none", "focus is visible");
  });

  for (const [width, height] of [[1280, 800], [768, 1024]] as const) {
    it(`is readable at ${width}×${height}: no page scrolls sideways`, async () => {
      await page.setViewportSize({ width, height });
      await signIn(page, svc, OPERATOR_TOKEN);
      for (const hash of ["#/disputes?id=", "#/stock?sku=C-1", "#/migration", "#/ingestion", "#/audit", "#/routing"]) {
        await page.goto(`${svc.baseUrl}/console${hash}`);
        await page.locator(".status.ok, table, .state, .facts").first().waitFor();
        const wide = await page.evaluate<number>("document.documentElement.scrollWidth");
        assert.ok(wide <= width, `${hash} is ${wide} px wide at ${width}`);
      }
    });
  }
});
