import assert from "node:assert/strict";
import { embeddedDatabase } from "../../../contract-tests/support/embedded-database.js";
import { line, reconciliationStack, TEST_OPERATOR } from "../../../contract-tests/support/reconciliation-stack.js";
import { eventTrail, stockRecord } from "../../../contract-tests/support/reservation-stack.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import { ManualClock } from "../../shared/clock.js";

describe("reconciliation on embedded PGlite", function () {
  this.timeout(60_000);
  const db = embeddedDatabase("rec");

  it("runs every reconciliation statement: staging, comparison, auto-resolution, opening, clearing, override, review, audit trigger and retention", async () => {
    const T0 = new Date("2026-11-24T12:00:00Z");
    const clock = new ManualClock(T0);
    const stack = reconciliationStack(db.database, { clock });
    for (const sku of ["PL-1", "PL-2", "PL-3"]) await stack.stock.count(sku, 10, new Date(T0.getTime() - 3_600_000));
    const run = await stack.reconcile(new Date(T0.getTime() - 60_000), [line("PL-1", 11), line("PL-2", 30), line("PL-3", 10), line("PL-4", 1)], { complete: true });
    assert.deepEqual([run.result!.mismatchedRecords, run.result!.autoResolved, run.result!.opened, run.result!.notTracked], [2, 1, 1, 1]);
    assert.deepEqual((await eventTrail(db.database, "PL-1")).at(-1), ["DiscrepancyAutoResolved", 2, 1, 11, 0, 11]);
    clock.advance(1000);
    const open = (await stack.review.list({ status: "open", kind: undefined, sku: "PL-2", runId: undefined }, 0, "")).discrepancies;
    await stack.review.decide(open[0]!.id, "keep_ours", "WMS double-counted", TEST_OPERATOR, "r-1");
    const override = { sku: asSku("PL-3"), locationId: asLocationId("default"), countedOnHand: 4, expectedOnHand: 10, reason: "LOSS" as const, note: "n" };
    assert.equal((await stack.overrides.override(override, TEST_OPERATOR, "r-2")).level.onHand, 4);
    assert.deepEqual(await stockRecord(db.database, "PL-3"), { onHand: 4, reserved: 0, available: 4 });
    await assert.rejects(db.database.knex.raw(`DELETE FROM audit_log`), /append-only/);
    const again = await stack.reconcile(new Date(T0.getTime() + 60_000), [line("PL-2", 10)]);
    assert.equal(again.result!.cleared, 0, "kept as ours: nothing open to clear");
    assert.equal(await stack.retention.prune(), 0);
    const entries = await stack.audit.list({ sku: "", locationId: "", action: "", from: undefined, to: undefined, pageSize: 2, pageToken: "" });
    const next = await stack.audit.list({ sku: "", locationId: "", action: "", from: undefined, to: undefined, pageSize: 2, pageToken: entries.nextPageToken });
    assert.deepEqual([...entries.entries, ...next.entries].map((e) => e.action), ["discrepancy_auto_resolved", "discrepancy_resolved", "stock_overridden"]);
  });
});
