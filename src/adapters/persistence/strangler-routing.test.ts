import assert from "node:assert/strict";
import unleashUtil from "unleash-client/lib/strategy/util.js";
import { FlagFiles, COHORT_GROUP } from "../../../contract-tests/support/flag-files.js";
import { runLegacyJob } from "../../../contract-tests/support/legacy-job.js";
import { routedIngestionStack, SwitchableFlags } from "../../../contract-tests/support/routed-stack.js";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { wmsUpdate } from "../../../contract-tests/support/wms-fixtures.js";
import { silentLogger } from "../../shared/logger.js";
import { openDatabase, type Database } from "./database.js";

const { normalizedStrategyValue } = unleashUtil as { normalizedStrategyValue(id: string, groupId: string): number };

/** The path Unleash's flexibleRollout puts `sku` on with 10% new and the next 10% in shadow. */
function expectedPath(sku: string): "legacy" | "shadow" | "new" {
  const bucket = normalizedStrategyValue(sku, COHORT_GROUP);
  return bucket <= 10 ? "new" : bucket <= 20 ? "shadow" : "legacy";
}

describe("strangler routing on PostgreSQL (flags from unleash-client, legacy feed tables)", function () {
  this.timeout(60_000);
  let testDb: TestDatabase;
  let database: Database;
  let files: FlagFiles;
  let flags: SwitchableFlags;
  let stack: ReturnType<typeof routedIngestionStack>;
  /** Records cut over to the new path, as the routing observer (the cutover metric) is told. */
  let cutovers = 0;
  const q = async <T = any>(sql: string, bindings: unknown[] = []): Promise<T[]> => (await database.knex.raw(sql, bindings as never)).rows;

  before(async () => {
    testDb = await createTestDatabase("strangler");
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 10 }, silentLogger);
    await database.migrate();
    files = new FlagFiles();
    flags = await SwitchableFlags.start(files.write({ newPercent: 10, shadowPercent: 20 }));
    stack = routedIngestionStack(database, flags, 10_000, { routed: (_counts, records) => (cutovers += records) });
  });
  after(async () => {
    flags?.close();
    files?.remove();
    await database?.close();
    await testDb?.drop();
  });

  const skus = Array.from({ length: 600 }, (_, i) => `MIX-${i}`);

  it("with 10% new and 10% shadow, leaves legacy SKUs untouched, shadow SKUs only in the shadow projection, new SKUs updated and published", async () => {
    const first = await stack.sync("mix-1", skus.map((sku, i) => wmsUpdate(sku, i + 1, 10, { wmsId: "w-mix" })));
    const second = await stack.sync("mix-2", skus.map((sku, i) => wmsUpdate(sku, 1000 + i, 20 + (i % 7), { wmsId: "w-mix" })));
    assert.deepEqual([first.accepted, second.accepted, second.stale], [600, 600, 0]);

    const routes = await q<{ sku: string; paths: string[] }>(`SELECT sku, array_agg(DISTINCT path) AS paths FROM wms_updates WHERE wms_id = 'w-mix' GROUP BY sku`);
    const pathOf = new Map(routes.map((r) => [r.sku, r.paths]));
    const tally = { legacy: 0, shadow: 0, new: 0 };
    for (const sku of skus) {
      assert.deepEqual(pathOf.get(sku), [expectedPath(sku)], `${sku} takes the path Unleash's rollout gives it, in every batch`);
      tally[expectedPath(sku)]++;
    }
    assert.ok(tally.new > 30 && tally.new < 90 && tally.shadow > 30 && tally.shadow < 90, `about 10% each: ${JSON.stringify(tally)}`);

    const live = new Map((await q<{ sku: string; on_hand: string }>(`SELECT sku, on_hand FROM inventory WHERE sku LIKE 'MIX-%'`)).map((r) => [r.sku, Number(r.on_hand)]));
    const shadow = new Map((await q<{ sku: string; on_hand: string }>(`SELECT sku, on_hand FROM shadow_inventory WHERE sku LIKE 'MIX-%'`)).map((r) => [r.sku, Number(r.on_hand)]));
    const events = new Map((await q<{ sku: string; n: number; paths: string[] }>(`SELECT sku, count(*)::int AS n, array_agg(DISTINCT path) AS paths FROM inventory_events WHERE sku LIKE 'MIX-%' GROUP BY sku`)).map((r) => [r.sku, r]));
    const fed = new Map((await q<{ sku: string; n: number }>(`SELECT sku, count(*)::int AS n FROM legacy_inventory_feed WHERE sku LIKE 'MIX-%' GROUP BY sku`)).map((r) => [r.sku, r.n]));
    for (const [i, sku] of skus.entries()) {
      const path = expectedPath(sku);
      const latest = 20 + (i % 7);
      assert.equal(live.get(sku), path === "new" ? latest : undefined, `${sku} (${path}): live stock`);
      assert.equal(shadow.get(sku), path === "shadow" ? latest : undefined, `${sku} (${path}): shadow projection`);
      assert.equal(events.get(sku)?.n, path === "new" ? 2 : undefined, `${sku} (${path}): events`);
      assert.equal(fed.get(sku), path === "new" ? undefined : 2, `${sku} (${path}): handed on to legacy`);
    }
    const [event] = await q(`SELECT path, routing FROM inventory_events WHERE sku LIKE 'MIX-%' LIMIT 1`);
    assert.equal(event.path, "new");
    assert.equal(event.routing.reason, "cohort_flag");
    assert.deepEqual(event.routing.flags, { killSwitch: false, cohort: true, shadow: true });
  });

  it("hands legacy updates on unchanged: a batch that carries no received text (mapped here, not from a request) hands on the inbox's copy", async () => {
    const legacySku = skus.find((sku) => expectedPath(sku) === "legacy")!;
    const [row] = await q(`SELECT f.payload, f.payload_form, w.payload AS inbox_payload, f.path FROM legacy_inventory_feed f JOIN wms_updates w ON w.id = f.inbox_id WHERE f.sku = ? ORDER BY f.id LIMIT 1`, [legacySku]);
    assert.deepEqual(row.payload, row.inbox_payload);
    assert.equal(row.payload_form, "inbox-json");
    assert.equal(row.payload.sku, legacySku);
    assert.equal(row.path, "legacy");
  });

  it("records injected legacy/new disagreement as mismatches with both values and the right rate, once per legacy run", async () => {
    const shadowSkus = skus.filter((sku) => expectedPath(sku) === "shadow");
    const disagree = shadowSkus.slice(0, 5);
    await runLegacyJob(database.knex, "run-1", disagree);
    const comparison = await stack.comparator.compareAfterLegacyRun();
    assert.ok(comparison);
    assert.equal(comparison.legacyRunId, "run-1");
    assert.deepEqual(comparison.tallies, [{ cohort: "invsync.cohort.shadow", compared: shadowSkus.length, mismatched: 5, inFlight: 0 }]);
    assert.equal(await stack.comparator.compareAfterLegacyRun(), undefined, "one comparison per legacy run");

    const page = await stack.status.mismatches({ cohort: "", pageSize: 3, pageToken: "" });
    const rest = await stack.status.mismatches({ cohort: "", pageSize: 3, pageToken: page.nextPageToken });
    const listed = [...page.mismatches, ...rest.mismatches];
    assert.deepEqual(listed.map((m) => m.sku).sort(), [...disagree].sort());
    for (const m of listed) assert.equal(m.legacyOnHand, m.shadowOnHand + 1, "both values are kept");

    const status = await stack.status.status();
    const shadowCohort = status.cohorts.find((c) => c.role === "shadow")!;
    assert.equal(shadowCohort.latestComparison?.mismatched, 5);
    assert.equal(status.skusByPath.get("shadow"), shadowSkus.length);
  });

  it("counts records with updates legacy has not run over yet as in flight, not as mismatches", async () => {
    const shadowSkus = skus.filter((sku) => expectedPath(sku) === "shadow");
    await stack.sync("mix-3", shadowSkus.slice(-4).map((sku, i) => wmsUpdate(sku, 5000 + i, 99, { wmsId: "w-mix" })));
    const comparison = await stack.comparator.compare("on_demand");
    assert.deepEqual(comparison.tallies, [{ cohort: "invsync.cohort.shadow", compared: shadowSkus.length - 4, mismatched: 5, inFlight: 4 }]);
  });

  it("cuts a record over to the new path from its latest WMS count, and a rollback stops new-path writes at once with nothing lost or doubled", async () => {
    const [a, b, c] = ["CUT-A", "CUT-B", "CUT-C"];
    await flags.switchTo(files.write({ shadowSkus: [a, b] }));
    await stack.sync("cut-1", [wmsUpdate(a, 10, 7, { wmsId: "w-cut" }), wmsUpdate(b, 11, 8, { wmsId: "w-cut" }), wmsUpdate(c, 12, 9, { wmsId: "w-cut" })]);

    await flags.switchTo(files.write({ newSkus: [a, b, c, "CUT-NEW"] }));
    cutovers = 0;
    await stack.sync("cut-new", [wmsUpdate("CUT-NEW", 1, 5, { wmsId: "w-cut-new" })]);
    assert.equal(cutovers, 0, "a record never routed before starts on the new path: not a cutover");
    // A late update older than what shadow and legacy already saw: the new path must not start from it.
    const late = await stack.sync("cut-2", [wmsUpdate(a, 5, 100, { wmsId: "w-cut" }), wmsUpdate(b, 20, 30, { wmsId: "w-cut" }), wmsUpdate(c, 4, 1, { wmsId: "w-cut" })]);
    assert.deepEqual([late.accepted, late.stale], [1, 2]);
    assert.equal(cutovers, 3, "two records came from shadow, one from legacy");
    assert.equal((await stack.queries.get(a)).onHand, 7, "seeded from the shadow projection, not from the stale update or zero");
    assert.equal((await stack.queries.get(b)).onHand, 30, "a newer update in the batch needs no seed");
    assert.equal((await stack.queries.get(c)).onHand, 9, "seeded from the inbox (it was on legacy)");
    const seeds = await q(`SELECT sku, after_on_hand, routing->'cutover' AS cutover FROM inventory_events WHERE sku LIKE 'CUT-%' AND routing->'cutover' IS NOT NULL ORDER BY sku`);
    assert.deepEqual(seeds.map((s) => [s.sku, Number(s.after_on_hand), s.cutover]), [
      [a, 7, { from: "shadow", seededFrom: "shadow_projection" }],
      [c, 9, { from: "legacy", seededFrom: "inbox" }],
    ]);

    await flags.switchTo(files.write({}));
    const eventsBefore = (await q(`SELECT count(*)::int AS n FROM inventory_events WHERE sku LIKE 'CUT-%'`))[0].n;
    await stack.sync("cut-3", [wmsUpdate(a, 30, 3, { wmsId: "w-cut" }), wmsUpdate(b, 31, 4, { wmsId: "w-cut" })]);
    assert.equal((await stack.queries.get(a)).onHand, 7, "after the rollback the new path writes nothing for the SKU");
    assert.equal((await q(`SELECT count(*)::int AS n FROM inventory_events WHERE sku LIKE 'CUT-%'`))[0].n, eventsBefore, "and publishes nothing");

    const ledger = await q(`SELECT sequence::int AS seq, path, status FROM wms_updates WHERE wms_id = 'w-cut' ORDER BY sequence`);
    assert.deepEqual(ledger.map((r) => [r.seq, r.path, r.status]), [
      [4, "new", "stale"],
      [5, "new", "stale"],
      [10, "shadow", "shadowed"],
      [11, "shadow", "shadowed"],
      [12, "legacy", "forwarded"],
      [20, "new", "applied"],
      [30, "legacy", "forwarded"],
      [31, "legacy", "forwarded"],
    ]);
    const fed = await q(`SELECT sequence::int AS seq FROM legacy_inventory_feed WHERE wms_id = 'w-cut' ORDER BY sequence`);
    assert.deepEqual(fed.map((r) => r.seq), [10, 11, 12, 30, 31], "every update owned by legacy reached it exactly once");
    const published = await q(`SELECT cause->>'sequence' AS seq, count(*)::int AS n FROM inventory_events WHERE sku LIKE 'CUT-%' GROUP BY 1 ORDER BY 1`);
    assert.ok(published.every((r) => r.n === 1), "no update was published twice");

    await stack.sync("cut-3", [wmsUpdate(a, 30, 3, { wmsId: "w-cut" })]);
    assert.equal((await q(`SELECT count(*)::int AS n FROM legacy_inventory_feed WHERE wms_id = 'w-cut'`))[0].n, 5, "a resent batch is not handed on twice");
  });

  it("routes WMS v2 movements with their records, and seeds a cutover from the latest count plus the movements legacy took since", async () => {
    const [legacySku, shadowSku, newSku] = ["MOV-L", "MOV-S", "MOV-N"];
    await flags.switchTo(files.write({ shadowSkus: [shadowSku], newSkus: [newSku] }));
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    const snapshot = (sku: string, seq: number, sellable: number) => ({ sourceSystem: "w-mov", seqNo: String(seq), itemCode: sku, eventTime: at(seq), snapshot: { sellable: String(sellable) } });
    const pick = (sku: string, seq: number, delta: number) => ({
      sourceSystem: "w-mov", seqNo: String(seq), itemCode: sku, eventTime: at(seq), movement: { movementType: delta < 0 ? "MOVEMENT_TYPE_PICK" : "MOVEMENT_TYPE_RECEIPT", delta: String(delta) },
    });
    await stack.syncV2("mov-1", [snapshot(legacySku, 1, 10), snapshot(shadowSku, 2, 10), snapshot(newSku, 3, 10)]);
    const moved = await stack.syncV2("mov-2", [pick(legacySku, 4, -3), pick(shadowSku, 5, -3), pick(newSku, 6, -3)]);
    assert.equal(moved.rejected, 0, JSON.stringify(moved.rejections));

    await assert.rejects(stack.queries.get(legacySku), /no stock recorded/, "the new path never writes a legacy record");
    await assert.rejects(stack.queries.get(shadowSku), /no stock recorded/);
    assert.equal((await q(`SELECT on_hand::int AS n FROM shadow_inventory WHERE sku = ?`, [shadowSku]))[0].n, 7, "shadow computed the pick");
    assert.equal((await stack.queries.get(newSku)).onHand, 7);
    const fed = await q(`SELECT sku, count(*)::int AS n FROM legacy_inventory_feed WHERE wms_id = 'w-mov' GROUP BY sku ORDER BY sku`);
    assert.deepEqual(fed.map((r) => [r.sku, r.n]), [[legacySku, 2], [shadowSku, 2]]);
    const kinds = await q(`SELECT sequence::int AS seq, update_kind, path FROM wms_updates WHERE wms_id = 'w-mov' ORDER BY sequence`);
    assert.deepEqual(kinds.map((r) => [r.seq, r.update_kind, r.path]).slice(3), [[4, "movement", "legacy"], [5, "movement", "shadow"], [6, "movement", "new"]]);

    await flags.switchTo(files.write({ newSkus: [legacySku, shadowSku, newSku] }));
    await stack.syncV2("mov-3", [pick(legacySku, 7, 5), pick(shadowSku, 8, 5)]);
    assert.equal((await stack.queries.get(legacySku)).onHand, 12, "seeded 10 − 3 from the inbox, then +5 (not 10 + 5, not the pick's −3 as a count)");
    assert.equal((await stack.queries.get(shadowSku)).onHand, 12, "seeded 7 from the shadow projection, then +5");
  });

  it("routes everything to legacy while the kill switch is on", async () => {
    await flags.switchTo(files.write({ newPercent: 100, killSwitch: true }));
    await stack.sync("kill-1", [wmsUpdate("KILL-1", 1, 5, { wmsId: "w-kill" })]);
    const [row] = await q(`SELECT path, status, routing FROM wms_updates WHERE wms_id = 'w-kill'`);
    assert.deepEqual([row.path, row.status, row.routing.reason], ["legacy", "forwarded", "kill_switch"]);
    await assert.rejects(stack.queries.get("KILL-1"), /no stock recorded/);
  });
});
