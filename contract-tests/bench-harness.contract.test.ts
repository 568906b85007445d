import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { appendHistory, HISTORY_COLUMNS } from "../bench/history.js";
import { gcPauses } from "../bench/service-gc.js";
import { ensureBuilt } from "./support/service-process.js";

/**
 * `npm run bench --quick` proves the benchmark harness works end to end (service, load, consumer,
 * limits, naive peer, report). It asserts that every figure was measured, never how fast: figures of
 * a few seconds on a shared machine mean nothing, and no test asserts a time.
 */
describe("benchmark harness (quick mode)", function () {
  this.timeout(180_000);
  const folder = mkdtempSync(join(tmpdir(), "invsync-bench-"));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("runs every phase and writes every figure", async () => {
    ensureBuilt();
    const out = join(folder, "quick.json");
    await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--pg-statements", "--out", out], { maxBuffer: 16 * 1024 * 1024 });
    const figures = JSON.parse(readFileSync(out, "utf8"));
    const numbers: Array<[string, unknown]> = [
      ["committed", figures.saturation.committedUpdatesPerSecond],
      ["end to end", figures.saturation.endToEndUpdatesPerSecond],
      ["request→commit p99", figures.saturation.latencyMs.p99],
      ["commit→ack p99", figures.saturation.commitToAckMs.p99],
      ["freshness p50", figures.paced.freshnessMs.p50],
      ["peak RSS", figures.service.peakRssMiB],
      ["CPU per 10k", figures.saturation.cpuSecondsPer10kUpdates],
      ["service CPU per update", figures.saturation.cpuMicrosPerUpdate.service],
      ["PostgreSQL CPU per update", figures.saturation.cpuMicrosPerUpdate.postgres],
      ["NATS CPU per update", figures.saturation.cpuMicrosPerUpdate.nats],
      ["load generator CPU per update", figures.saturation.cpuMicrosPerUpdate.loadGenerator],
      ["machine busy share", figures.saturation.machineCpuShare.busy],
      ["service event loop CPU per update", figures.saturation.serviceCpuMicrosPerUpdate.mainThread],
      ["bare upsert", figures.limits.bareUpsertRowsPerSecond.oneConnection],
      ["bare publish", figures.limits.barePublishMessagesPerSecond],
      ["bare publish, default client", figures.limits.barePublishDefaultClientMessagesPerSecond],
      ["naive peer", figures.naivePeer.updatesPerSecond],
    ];
    for (const [name, value] of numbers) assert.ok(typeof value === "number" && Number.isFinite(value) && value > 0, `${name}: ${value}`);
    // A few seconds may hold no collection of a kind, or too little helper-thread time to count.
    const { otherThreads, gcPauseMinor, gcPauseMajor } = figures.saturation.serviceCpuMicrosPerUpdate;
    for (const [name, value] of Object.entries({ otherThreads, gcPauseMinor, gcPauseMajor })) assert.ok(typeof value === "number" && Number.isFinite(value) && value >= 0, `${name}: ${value}`);
    // PostgreSQL's statement costs when the server loads pg_stat_statements; otherwise PostgreSQL's
    // own refusal (any other failure of --pg-statements fails here).
    const statements = figures.postgresStatements;
    if (statements.available) assert.ok(statements.top.length > 0 && statements.top.every((s: { calls: number }) => s.calls > 0), JSON.stringify(statements));
    else assert.match(statements.reason, /must be loaded via "?shared_preload_libraries"?/);
    assert.equal(figures.saturation.allEventsConsumed, true, "every accepted update reached the consumer");
    assert.equal(figures.saturation.duplicateEventsSeen, 0);
    assert.equal(figures.saturation.failedRequests, 0);
  });
});

describe("benchmark: the service's GC pauses from its metrics", () => {
  it("sums the pause seconds per kind, incremental marking with the major collections", () => {
    const text = [
      "# TYPE invsync_nodejs_gc_duration_seconds histogram",
      'invsync_nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} 3',
      'invsync_nodejs_gc_duration_seconds_sum{kind="minor"} 0.25',
      'invsync_nodejs_gc_duration_seconds_count{kind="minor"} 10',
      'invsync_nodejs_gc_duration_seconds_sum{kind="major"} 0.5',
      'invsync_nodejs_gc_duration_seconds_sum{replica="a",kind="incremental"} 0.125',
      'invsync_nodejs_gc_duration_seconds_sum{kind="weakcb"} 9',
      'other_gc_duration_seconds_sum{kind="minor"} 7',
    ].join("\n");
    assert.deepEqual(gcPauses(text), { minor: 0.25, major: 0.625 });
  });

  it("counts a kind that never ran as 0", () => {
    assert.deepEqual(gcPauses('invsync_nodejs_gc_duration_seconds_sum{kind="minor"} 1.5\n'), { minor: 1.5, major: 0 });
  });
});

describe("benchmark: the history of full runs", () => {
  it("appends one row per run under the header, machine CPU summed over the processes", () => {
    const folder = mkdtempSync(join(tmpdir(), "invsync-history-"));
    try {
      const path = join(folder, "history.csv");
      const run = (date: string, committed: number) => ({
        date,
        saturation: { committedUpdatesPerSecond: committed, endToEndUpdatesPerSecond: committed - 20.4, cpuMicrosPerUpdate: { service: 120.5, postgres: 80, nats: 25.25, loadGenerator: 26 } },
        service: { peakRssMiB: 261.4 },
      });
      appendHistory(path, run("2026-12-06T10:00:00.000Z", 6555.3), "abc1234");
      appendHistory(path, run("2026-12-06T11:30:59.000Z", 7000), "abc1234-dirty");
      assert.deepEqual(readFileSync(path, "utf8").trim().split("\n"), [
        HISTORY_COLUMNS.join(","),
        "2026-12-06 10:00,abc1234,6555,6535,120.5,251.8,261.4",
        "2026-12-06 11:30,abc1234-dirty,7000,6980,120.5,251.8,261.4",
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("bench/results/history.csv has the same columns", () => {
    assert.equal(readFileSync("bench/results/history.csv", "utf8").split("\n")[0], HISTORY_COLUMNS.join(","));
  });
});
