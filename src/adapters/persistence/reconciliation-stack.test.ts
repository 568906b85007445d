import assert from "node:assert/strict";
import { failure } from "../../../contract-tests/support/refusals.js";
import { createTestDatabase, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { line, reconciliationStack, TEST_OPERATOR } from "../../../contract-tests/support/reconciliation-stack.js";
import { runOutcome, seedSnapshot } from "../../../contract-tests/support/seeded-snapshot.js";
import { eventTrail, stockRecord } from "../../../contract-tests/support/reservation-stack.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { ManualClock } from "../../shared/clock.js";
import { silentLogger } from "../../shared/logger.js";
import { DailyReconciliation } from "../../reconciliation/application/daily-reconciliation.js";
import { ignoreReconciliation } from "../../reconciliation/application/reconciliation-observer.port.js";
import { openDatabase, type Database } from "./database.js";

const T0 = new Date("2026-11-24T12:00:00Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const override = (sku: string, countedOnHand: number, expectedOnHand: number) => ({
  sku: asSku(sku),
  locationId: asLocationId("default"),
  countedOnHand,
  expectedOnHand,
  reason: "PHYSICAL_COUNT" as const,
  note: "counted twice by the night shift",
});

describe("reconciliation of a seeded snapshot (the issue's check, small)", function () {
  this.timeout(60_000);

  it("finds exactly the seeded 0.3 % of 10,000 SKUs, auto-resolves those within tolerance and leaves the rest open", async () => {
    const testDb = await createTestDatabase("reconciliation_seeded");
    const database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 4 }, silentLogger);
    try {
      await database.migrate();
      const seeded = await seedSnapshot(database, 10_000, 0.003);
      const stack = reconciliationStack(database, { clock: new ManualClock(new Date()) });
      const run = await stack.reconcile(new Date(Date.now() - 60_000), seeded.lines);
      const found = await runOutcome(database, run.id);
      assert.deepEqual([run.result!.mismatchedSkus, run.result!.discrepancyRate], [30, 0.003]);
      assert.deepEqual([...found.autoResolved].sort(), [...seeded.within].sort());
      assert.deepEqual([...found.open].sort(), [...seeded.above].sort());
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe("reconciliation on PostgreSQL", function () {
  this.timeout(30_000);
  let testDb: TestDatabase;
  let database: Database;
  let clock: ManualClock;
  let stack: ReturnType<typeof reconciliationStack>;
  const sql = async (text: string, values: unknown[] = []) => (await database.knex.raw(text, values as never)).rows as any[];

  before(async () => {
    testDb = await createTestDatabase("reconciliation");
    database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 6 }, silentLogger);
    await database.migrate();
    clock = new ManualClock(minutes(-60));
    stack = reconciliationStack(database, { clock });
  });
  after(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it("finds exactly the mismatched records, auto-resolves those within tolerance through the domain and opens the rest", async () => {
    const skus = Array.from({ length: 40 }, (_, i) => `A-${String(i + 1).padStart(3, "0")}`);
    for (const sku of skus) await stack.stock.count(sku, 10, minutes(-60));
    // a count observed after the snapshot line already changed it (in flight).
    await stack.stock.count("A-009", 20, minutes(-5));
    // A-011 shipped before the snapshot (the snapshot includes it), A-012 after (it does not yet).
    const { reserver, lifecycle, request } = stack.stock;
    clock.advance(48 * 60_000);
    await lifecycle.fulfil((await reserver.reserve(request("A-011", 3))).reservation.id, "");
    clock.advance(3 * 60_000);
    await lifecycle.fulfil((await reserver.reserve(request("A-012", 3))).reservation.id, "");
    await reserver.reserve(request("A-015", 9));
    await sql(`INSERT INTO sku_routes (sku, location_id, path, flag, routing, routed_at, since)
               VALUES ('A-013', 'default', 'legacy', 'invsync.cohort.new', '{}', now(), now())`);

    const snapshot = skus.map((sku) => line(sku, 10));
    const patch = { "A-003": 11, "A-007": 0, "A-009": 13, "A-011": 7, "A-013": 99, "A-015": 8 } as Record<string, number>;
    for (const [sku, quantity] of Object.entries(patch)) snapshot[skus.indexOf(sku)] = line(sku, quantity);
    snapshot.push(line("NEVER-SEEN", 4));
    clock.advance(9 * 60_000);
    const run = await stack.reconcile(minutes(-10), snapshot, { pageSize: 7 });

    assert.equal(run.status, "completed");
    assert.equal(run.lines, 41);
    const { durationMs, ...result } = run.result!;
    assert.ok(durationMs >= 0);
    assert.deepEqual(result, {
      recordsCompared: 38,
      skusCompared: 38,
      inFlight: 1,
      notTracked: 2,
      mismatchedRecords: 3,
      mismatchedSkus: 3,
      discrepancyRate: 3 / 38,
      autoResolved: 2,
      opened: 1,
      cleared: 0,
      shortfalls: 1,
    });
    assert.deepEqual(await stockRecord(database, "A-003"), { onHand: 11, reserved: 0, available: 11 }, "within tolerance: the WMS count wins");
    assert.deepEqual((await eventTrail(database, "A-003")).at(-1), ["DiscrepancyAutoResolved", 2, 1, 11, 0, 11]);
    assert.deepEqual(await stockRecord(database, "A-007"), { onHand: 10, reserved: 0, available: 10 }, "above tolerance: nothing changes");
    assert.deepEqual((await eventTrail(database, "A-015")).slice(-2), [
      ["DiscrepancyAutoResolved", 3, -2, 8, 9, 0],
      ["StockShortfallDetected", 3, -1, 8, 9, 0],
    ]);
    const rows = await sql(`SELECT sku, kind, status, ours::int, theirs::int, resolution, resolved_by FROM discrepancies ORDER BY sku, kind`);
    assert.deepEqual(rows, [
      { sku: "A-003", kind: "count_mismatch", status: "auto_resolved", ours: 10, theirs: 11, resolution: "wms_count_applied", resolved_by: "system:reconciliation" },
      { sku: "A-007", kind: "count_mismatch", status: "open", ours: 10, theirs: 0, resolution: null, resolved_by: "" },
      { sku: "A-015", kind: "count_mismatch", status: "auto_resolved", ours: 10, theirs: 8, resolution: "wms_count_applied", resolved_by: "system:reconciliation" },
      { sku: "A-015", kind: "shortfall", status: "open", ours: 9, theirs: 8, resolution: null, resolved_by: "" },
    ]);
    const audit = await sql(`SELECT actor, action, sku, before->>'onHand' AS before, after->>'onHand' AS after, details->>'runId' AS run FROM audit_log ORDER BY id`);
    assert.deepEqual(audit, [
      { actor: "system:reconciliation", action: "discrepancy_auto_resolved", sku: "A-003", before: "10", after: "11", run: String(run.id) },
      { actor: "system:reconciliation", action: "discrepancy_auto_resolved", sku: "A-015", before: "10", after: "8", run: String(run.id) },
    ]);
    assert.deepEqual(await sql(`SELECT count(*)::int AS n FROM reconciliation_snapshot_lines`), [{ n: 0 }], "the staged lines are dropped");
  });

  it("makes WMS updates observed before the snapshot stale, and clears an open discrepancy once a later snapshot matches", async () => {
    const late = await stack.stock.count("A-003", 10, minutes(-20));
    assert.deepEqual(late, [{ kind: "stale" }], "observed before the snapshot line that set it");
    assert.equal((await stockRecord(database, "A-003"))!.onHand, 11);
    await stack.stock.count("A-007", 0, minutes(-2));
    const run = await stack.reconcile(minutes(-1), [line("A-007", 0), line("A-003", 11)]);
    assert.deepEqual([run.result!.mismatchedRecords, run.result!.cleared], [0, 1]);
    assert.deepEqual(await sql(`SELECT status, resolution FROM discrepancies WHERE sku = 'A-007'`), [{ status: "resolved", resolution: "matched_by_snapshot" }]);
  });

  it("refuses a bad line (naming it) and a lost page, and compares nothing of a failed run", async () => {
    const run = await stack.runs.begin({ source: "api", wmsId: "wms-test", snapshotRef: "bad", complete: false }, minutes(-1), TEST_OPERATOR);
    const bad = await failure(stack.runs.addCounts(run.id, [line("A-001", 10), line("no spaces", -1)]));
    assert.deepEqual(
      bad.violations.map((v) => v.field),
      ["counts[1].sku", "counts[1].quantity"],
    );
    await stack.runs.addCounts(run.id, [line("A-001", 10)]);
    const lost = await failure(stack.runs.complete(run.id, 2));
    assert.equal(lost.code, "RECONCILIATION.LINES_MISSING");
    assert.equal((await stack.runs.complete(run.id, 1)).status, "completed");
    assert.equal((await failure(stack.runs.addCounts(run.id, [line("A-001", 1)]))).code, "RECONCILIATION.RUN_NOT_RECEIVING");
  });

  it("overrides compare-and-set: a stale expectation is Aborted with the current value; the right one writes stock, event and audit at once", async () => {
    const stale = await failure(stack.overrides.override(override("A-020", 4, 9), TEST_OPERATOR, "req-1"));
    assert.deepEqual([stale.kind, stale.code], ["aborted", "RECONCILIATION.STALE_EXPECTATION"]);
    assert.deepEqual(stale.metadata, { sku: "A-020", location_id: "default", expected_on_hand: "9", current_on_hand: "10", current_reserved: "0", current_version: "1" });
    assert.equal((await stockRecord(database, "A-020"))!.onHand, 10, "nothing changed");

    const done = await stack.overrides.override(override("A-020", 4, 10), TEST_OPERATOR, "req-2");
    assert.deepEqual([done.level.onHand, done.level.version, done.shortfall], [4, 2, 0]);
    assert.deepEqual((await eventTrail(database, "A-020")).at(-1), ["StockOverridden", 2, -6, 4, 0, 4]);
    const [event] = await sql(`SELECT source, cause FROM inventory_events WHERE event_id = ?`, [done.eventId]);
    assert.equal(event.source, "operator");
    assert.deepEqual(
      [event.cause.actor, event.cause.reason, event.cause.requestId, event.cause.expectedOnHand],
      ["test-operator", "PHYSICAL_COUNT", "req-2", 10],
    );
    const [entry] = await sql(`SELECT actor, role, action, before, after, reason, note, request_id FROM audit_log WHERE id = ?`, [done.auditId]);
    assert.deepEqual(entry, {
      actor: "test-operator",
      role: "operator",
      action: "stock_overridden",
      before: { onHand: 10, reserved: 0, available: 10, version: 1 },
      after: { onHand: 4, reserved: 0, available: 4, version: 2 },
      reason: "PHYSICAL_COUNT",
      note: "counted twice by the night shift",
      request_id: "req-2",
    });
  });

  it("after an override, a WMS count observed before it is stale and one observed after it wins", async () => {
    clock.advance(60_000);
    await stack.overrides.override(override("A-021", 6, 10), TEST_OPERATOR, "req-3");
    assert.deepEqual(await stack.stock.count("A-021", 10, minutes(0)), [{ kind: "stale" }]);
    assert.equal((await stockRecord(database, "A-021"))!.onHand, 6);
    assert.equal((await stack.stock.count("A-021", 9, minutes(2)))[0]!.kind, "applied");
    assert.equal((await stockRecord(database, "A-021"))!.onHand, 9);
  });

  it("an override resolves the record's open count mismatch; below reserved it records a shortfall", async () => {
    const run = await stack.reconcile(minutes(1), [line("A-022", 50)]);
    assert.equal(run.result!.opened, 1);
    const resolved = await stack.overrides.override(override("A-022", 50, 10), TEST_OPERATOR, "req-4");
    assert.equal(resolved.closed.length, 1);
    assert.deepEqual(await sql(`SELECT status, resolution, resolved_by, note FROM discrepancies WHERE sku = 'A-022'`), [
      { status: "resolved", resolution: "override", resolved_by: "test-operator", note: "counted twice by the night shift" },
    ]);
    await stack.stock.reserver.reserve(stack.stock.request("A-023", 6));
    const short = await stack.overrides.override(override("A-023", 2, 10), TEST_OPERATOR, "req-5");
    assert.equal(short.shortfall, 4);
    assert.deepEqual((await eventTrail(database, "A-023")).slice(-2).map((e) => e[0]), ["StockOverridden", "StockShortfallDetected"]);
    assert.deepEqual(await sql(`SELECT kind, status, ours::int, theirs::int FROM discrepancies WHERE sku = 'A-023'`), [{ kind: "shortfall", status: "open", ours: 6, theirs: 2 }]);
  });

  it("refuses overrides of unknown SKUs and of records legacy owns", async () => {
    assert.equal((await failure(stack.overrides.override(override("NOT-A-SKU", 1, 0), TEST_OPERATOR, "r"))).code, "INVENTORY.NOT_FOUND");
    assert.equal((await failure(stack.overrides.override(override("A-013", 1, 10), TEST_OPERATOR, "r"))).code, "RECONCILIATION.NOT_OWNED");
  });

  it("reviews: accepting the WMS count changes stock (Aborted if it moved), keeping ours and dismissing do not", async () => {
    const run = await stack.reconcile(minutes(1), [line("A-030", 40), line("A-031", 41), line("A-032", 42), line("A-033", 43)]);
    assert.equal(run.result!.opened, 4);
    const open = await stack.review.list({ status: "open", kind: "count_mismatch", sku: undefined, runId: run.id }, 0, "");
    const id = (sku: string) => open.discrepancies.find((d) => d.sku === sku)!.id;
    const accepted = await stack.review.decide(id("A-030"), "accept_wms_count", "the WMS recount is right", TEST_OPERATOR, "req-6");
    assert.deepEqual([accepted.discrepancy.status, accepted.discrepancy.resolution], ["resolved", "wms_count_accepted"]);
    assert.equal((await stockRecord(database, "A-030"))!.onHand, 40);
    const kept = await stack.review.decide(id("A-031"), "keep_ours", "the WMS double-booked a receipt", TEST_OPERATOR, "req-7");
    assert.deepEqual([kept.discrepancy.status, kept.discrepancy.resolution, kept.eventId], ["resolved", "kept_ours", ""]);
    const dismissed = await stack.review.decide(id("A-032"), "dismiss", "test data", TEST_OPERATOR, "req-8");
    assert.equal(dismissed.discrepancy.status, "dismissed");
    assert.deepEqual([(await stockRecord(database, "A-031"))!.onHand, (await stockRecord(database, "A-032"))!.onHand], [10, 10]);
    await stack.stock.count("A-033", 12, minutes(2));
    const moved = await failure(stack.review.decide(id("A-033"), "accept_wms_count", "too late", TEST_OPERATOR, "req-9"));
    assert.deepEqual([moved.code, moved.metadata.current_on_hand], ["RECONCILIATION.STALE_EXPECTATION", "12"]);
    const again = await failure(stack.review.decide(id("A-031"), "dismiss", "twice", TEST_OPERATOR, "req-10"));
    assert.equal(again.code, "RECONCILIATION.DISCREPANCY_CLOSED");
    const actions = await sql(`SELECT action, request_id FROM audit_log WHERE request_id IN ('req-6', 'req-7', 'req-8', 'req-9') ORDER BY id`);
    assert.deepEqual(actions, [
      { action: "discrepancy_resolved", request_id: "req-6" },
      { action: "discrepancy_resolved", request_id: "req-7" },
      { action: "discrepancy_dismissed", request_id: "req-8" },
    ]);
  });

  it("keeps the audit log append-only: UPDATE, DELETE and TRUNCATE fail; only the retention job deletes, and only old entries", async () => {
    for (const statement of [`UPDATE audit_log SET note = 'edited'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`]) {
      await assert.rejects(sql(statement), /audit_log is append-only/);
    }
    const before = (await sql(`SELECT count(*)::int AS n FROM audit_log`))[0].n;
    await stack.audit.record({ actor: TEST_OPERATOR, action: "ingestion_paused", reason: "old", note: "", requestId: "", details: {}, at: new Date("2024-01-01T00:00:00Z") });
    assert.equal(await stack.retention.prune(), 1);
    assert.equal((await sql(`SELECT count(*)::int AS n FROM audit_log`))[0].n, before);
    const page = await stack.audit.list({ sku: "A-020", locationId: "", action: "", from: minutes(-120), to: undefined, pageSize: 10, pageToken: "" });
    assert.deepEqual(page.entries.map((e) => e.action), ["stock_overridden"]);
  });

  it("a complete snapshot counts the records it leaves out at the locations it names as 0", async () => {
    await stack.stock.count("A-025", 5, minutes(-60), "DC-9");
    await stack.stock.count("A-026", 5, minutes(-60), "DC-9");
    const run = await stack.reconcile(minutes(1), [line("A-025", 5, undefined, "DC-9")], { complete: true });
    assert.deepEqual([run.result!.recordsCompared, run.result!.mismatchedRecords, run.result!.opened], [2, 1, 1]);
    assert.deepEqual(await sql(`SELECT sku, ours::int, theirs::int FROM discrepancies WHERE location_id = 'DC-9'`), [{ sku: "A-026", ours: 5, theirs: 0 }]);
  });

  it("claims the daily run once per day, whichever replica ticks first, and not before its time", async () => {
    const pulled: string[] = [];
    const feed = {
      defaultWmsId: "wms-test",
      async *pages(wmsId: string) {
        pulled.push(wmsId);
        yield { takenAt: minutes(1), lines: [line("A-024", 10)] };
      },
    };
    const replica = (at: Date) => new DailyReconciliation(stack.runs, feed, stack.discrepancies, ignoreReconciliation, new ManualClock(at), 12 * 60, silentLogger);
    await replica(new Date("2026-11-24T11:59:00Z")).tick();
    assert.deepEqual(pulled, [], "before 12:00 UTC nothing runs");
    await Promise.all([replica(T0).tick(), replica(T0).tick()]);
    const pulledByTheFirstTicks = pulled.length;
    assert.ok(pulledByTheFirstTicks >= 1 && pulledByTheFirstTicks <= 2, `the two replicas ticking at once pulled ${pulledByTheFirstTicks} snapshots`);
    for (let m = 2; m < 12; m++) await replica(minutes(m)).tick();
    assert.equal(pulled.length, pulledByTheFirstTicks, "once the day is claimed, later ticks pull no snapshot");
    const daily = await sql(`SELECT scheduled_for::text AS day, status, requested_by FROM reconciliation_runs WHERE scheduled_for IS NOT NULL`);
    assert.deepEqual(daily, [{ day: "2026-11-24", status: "completed", requested_by: "system:schedule" }]);
  });

  it("tells every replica's tick when the latest run completed, from the database", async () => {
    const seen: Date[] = [];
    const observer = { ...ignoreReconciliation, lastCompletedSeen: (at: Date) => void seen.push(at) };
    await new DailyReconciliation(stack.runs, undefined, stack.discrepancies, observer, new ManualClock(T0), undefined, silentLogger).tick();
    const [latest] = await sql(`SELECT max(finished_at) AS at FROM reconciliation_runs WHERE status = 'completed'`);
    assert.ok(latest?.at instanceof Date, "earlier tests completed runs");
    assert.deepEqual(seen, [latest.at]);
  });
});
