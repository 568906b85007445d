/**
 * `npm run bench:reconcile [-- --skus 100000 --mismatch 0.003]`: the check. Seeds N stock
 * records (one SKU each) in a database of its own on the local PostgreSQL, builds a WMS snapshot of
 * them with a seeded share of mismatches (half within tolerance, half above), sends it through the
 * API path (BeginSnapshot, pages of 10,000 lines, CompleteSnapshot: the same use cases the service
 * serves) and checks that the run found exactly the seeded SKUs, auto-resolved those within tolerance
 * and left the rest open. Prints the run's duration; the database is dropped afterwards.
 */
import { parseArgs } from "node:util";
import { reconciliationStack } from "../contract-tests/support/reconciliation-stack.js";
import { runOutcome, seedSnapshot } from "../contract-tests/support/seeded-snapshot.js";
import { createTestDatabase } from "../contract-tests/support/test-servers.js";
import { openDatabase } from "../src/adapters/persistence/database.js";
import { systemClock } from "../src/shared/clock.js";
import { silentLogger } from "../src/shared/logger.js";
import { fmt, printTable } from "./report.js";

const { values } = parseArgs({ options: { skus: { type: "string", default: "100000" }, mismatch: { type: "string", default: "0.003" } } });
const SKUS = Number(values.skus);
const TOLERANCE = { units: 2, percent: 0 };

const testDb = await createTestDatabase("bench_reconcile");
const database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 4 }, silentLogger);
try {
  await database.migrate();
  let started = Date.now();
  const seeded = await seedSnapshot(database, SKUS, Number(values.mismatch));
  const seedSeconds = (Date.now() - started) / 1000;

  const stack = reconciliationStack(database, { clock: systemClock, tolerance: TOLERANCE });
  started = Date.now();
  const run = await stack.reconcile(new Date(Date.now() - 60_000), seeded.lines, { pageSize: 10_000 });
  const totalSeconds = (Date.now() - started) / 1000;
  const result = run.result!;

  const found = await runOutcome(database, run.id);
  const same = (set: Set<string>, wanted: readonly string[]) => set.size === wanted.length && wanted.every((s) => set.has(s));
  const seededCount = seeded.within.length + seeded.above.length;
  const exact = result.mismatchedSkus === seededCount && same(found.autoResolved, seeded.within) && same(found.open, seeded.above);

  printTable(`reconciliation of ${SKUS.toLocaleString()} SKUs, ${seededCount} seeded mismatches (tolerance ${TOLERANCE.units} units)`, [
    { name: "seed stock + build snapshot (not measured)", value: `${fmt(seedSeconds, 2)} s` },
    { name: "run: stage pages + compare + resolve", value: `${fmt(totalSeconds, 2)} s` },
    { name: "  of which compare + resolve (one transaction)", value: `${fmt(result.durationMs / 1000, 2)} s` },
    { name: "  staging throughput", value: `${fmt(SKUS / Math.max(0.001, totalSeconds - result.durationMs / 1000))} lines/s` },
    { name: "records compared", value: fmt(result.recordsCompared) },
    { name: "mismatched SKUs found", value: fmt(result.mismatchedSkus), target: `exactly the ${seededCount} seeded`, met: exact },
    { name: "auto-resolved (within tolerance)", value: fmt(result.autoResolved), target: `= ${seeded.within.length}`, met: same(found.autoResolved, seeded.within) },
    { name: "left open (above tolerance)", value: fmt(result.opened), target: `= ${seeded.above.length}`, met: same(found.open, seeded.above) },
    { name: "discrepancy rate", value: `${fmt(result.discrepancyRate * 100, 3)} %`, target: "< 0.5 %", met: result.discrepancyRate < 0.005 },
  ]);
  if (!exact) process.exitCode = 1;
} finally {
  await database.close();
  await testDb.drop();
}
