import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import { InventoryEventSchema } from "../gen/invsync/events/v1/inventory_event_pb.js";
import { FloorProcess } from "../bench/floor/floor-process.js";
import { appendHistory, HISTORY_COLUMNS } from "../bench/history.js";
import { cpuSnapshot } from "../bench/process-usage.js";
import { gcPauses } from "../bench/service-gc.js";
import { skuCode, WmsSender, type GeneratedUpdate } from "../bench/workload.js";
import { ensureBuilt } from "./support/service-process.js";
import { createTestDatabase, NATS_URL, testStream } from "./support/test-servers.js";

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
      ["floor committed", figures.floor.committedUpdatesPerSecond],
      ["floor end to end", figures.floor.endToEndUpdatesPerSecond],
      ["floor CPU per update", figures.floor.cpuMicrosPerUpdate.floor],
      ["floor PostgreSQL CPU per update", figures.floor.cpuMicrosPerUpdate.postgres],
      ["floor machine CPU per update", figures.floor.machineCpuMicrosPerUpdate],
      ["service ÷ floor end to end", figures.serviceToFloor.endToEnd],
      ["service ÷ floor committed", figures.serviceToFloor.committed],
      ["service ÷ floor machine CPU", figures.serviceToFloor.machineCpuPerUpdate],
      ["service bytes written per update", figures.saturation.bytesPerUpdate.written],
      ["service WAL bytes per update", figures.saturation.bytesPerUpdate.wal],
      ["floor bytes written per update", figures.floor.bytesPerUpdate.written],
      ["floor WAL bytes per update", figures.floor.bytesPerUpdate.wal],
      ["WMS v2 end to end", figures.wmsV2.endToEndUpdatesPerSecond],
      ["WMS v2 machine CPU per update", figures.wmsV2.machineCpuMicrosPerUpdate],
      ["WMS v2 ÷ floor end to end", figures.wmsV2.toFloor.endToEnd],
      ["WMS v2 ÷ floor machine CPU", figures.wmsV2.toFloor.machineCpuPerUpdate],
      ["file drop end to end", figures.fileDrop.endToEndUpdatesPerSecond],
      ["file drop machine CPU per update", figures.fileDrop.machineCpuMicrosPerUpdate],
      ["file drop, floor end to end", figures.fileDrop.floor.endToEndUpdatesPerSecond],
      ["file drop ÷ floor end to end", figures.fileDrop.toFloor.endToEnd],
      ["file drop ÷ floor machine CPU", figures.fileDrop.toFloor.machineCpuPerUpdate],
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
    // Alternating: two service phases and two floor phases, each with updates taken and read back.
    for (const system of [figures.saturation, figures.floor]) {
      assert.equal(system.phases.length, 2);
      for (const phase of system.phases) assert.ok(phase.accepted > 0 && phase.endToEndUpdatesPerSecond > 0, JSON.stringify(phase));
    }
    assert.equal(figures.floor.allEventsConsumed, true, "every update the floor took reached the consumer");
    assert.equal(figures.floor.duplicateEventsSeen, 0);
    assert.equal(figures.floor.failedRequests, 0);
    assert.equal(figures.floor.errors, 0);
    assert.equal(figures.wmsV2.allEventsConsumed, true, "every update the service took in v2 reached the consumer");
    assert.equal(figures.wmsV2.failedRequests, 0);
    assert.equal(figures.wmsV2.rejected, 0, "the v2 load is valid v2");
    assert.ok(figures.floor.accepted > 0 && figures.floor.duplicate > 0, "the floor saw the traffic's duplicates and said so");
    // The file pair: one file per sender to each system, every line a valid v1 count, all of it read back.
    assert.deepEqual([figures.fileDrop.requests, figures.fileDrop.sent, figures.fileDrop.rejected], [figures.settings.senders, figures.settings.fileUpdates, 0]);
    assert.equal(figures.fileDrop.accepted + figures.fileDrop.duplicate + figures.fileDrop.stale, figures.fileDrop.sent, JSON.stringify(figures.fileDrop));
    assert.equal(figures.fileDrop.allEventsConsumed, true, "every update the service took from the files reached the consumer");
    assert.equal(figures.fileDrop.floor.allEventsConsumed, true, "every update the floor took from the files reached the consumer");
  });
});

describe("benchmark: the floor's drop folder", function () {
  this.timeout(120_000);
  const folder = mkdtempSync(join(tmpdir(), "invsync-floor-drop-"));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("reads settled *.v1.jsonl files in batches, counts bad lines and applies the rest, reports in processed/ and leaves other names alone", async () => {
    await withFloor("floor-drop", { FLOOR_DROP_DIR: folder, FLOOR_DROP_POLL_MS: "50", FLOOR_FILE_BATCH_SIZE: "7" }, async ({ floor, nc, db, stream }) => {
      const sender = new WmsSender("floor-drop-wms", { skus: 30, zipfExponent: 1, minBatch: 50, maxBatch: 50, duplicateShare: 0, lateShare: 0, seed: 11 }, 0);
      const updates = sender.nextBatch();
      const good = updates.map((u) => sender.toJsonLine(u));
      // Line 3 resends line 1; line 6 has a negative quantity; line 9 is no JSON; line 12 is blank (the updates are shuffled: some are stale).
      const lines = [...good.slice(0, 2), good[0]!, ...good.slice(2, 4), good[4]!.replace(/"quantity":\d+/, '"quantity":-1'), ...good.slice(5, 7), "{not json", ...good.slice(7, 9), "", ...good.slice(9)];
      writeFileSync(join(folder, "other.v2.jsonl"), `${good[0]}\n`);
      writeFileSync(join(folder, ".stock.v1.jsonl"), `${lines.join("\n")}\n`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(readdirSync(join(folder, "processed")), [], "a hidden name is not taken");
      renameSync(join(folder, ".stock.v1.jsonl"), join(folder, "stock.v1.jsonl"));
      const reportPath = join(folder, "processed", "stock.v1.jsonl.report.json");
      for (const deadline = Date.now() + 30_000; !existsSync(reportPath); await new Promise((resolve) => setTimeout(resolve, 50))) {
        assert.ok(Date.now() < deadline, "no report within 30 s");
      }
      // The floor's rule, batch by batch of 7 valid lines: a resent sequence is a duplicate, the rest in
      // sequence order, each newer than its record's last applied one or stale.
      const valid = lines.flatMap((line) => {
        try {
          const u = JSON.parse(line) as { sequence: string; sku: string; quantity: number };
          return u.quantity >= 0 ? [u] : [];
        } catch {
          return [];
        }
      });
      const seen = new Set<string>();
      const last = new Map<string, number>();
      const expected = { accepted: 0, duplicate: 0, stale: 0 };
      for (let first = 0; first < valid.length; first += 7) {
        const fresh = valid.slice(first, first + 7).filter((u) => !seen.has(u.sequence) && seen.add(u.sequence));
        expected.duplicate += Math.min(7, valid.length - first) - fresh.length;
        for (const u of fresh.sort((a, b) => Number(a.sequence) - Number(b.sequence))) {
          if (Number(u.sequence) > (last.get(u.sku) ?? 0)) {
            last.set(u.sku, Number(u.sequence));
            expected.accepted++;
          } else expected.stale++;
        }
      }
      assert.ok(expected.stale > 0 && expected.duplicate === 1, JSON.stringify(expected));
      assert.deepEqual(JSON.parse(readFileSync(reportPath, "utf8")), { fileName: "stock.v1.jsonl", lines: lines.length, ...expected, rejected: 2 });
      assert.ok(existsSync(join(folder, "processed", "stock.v1.jsonl")) && !existsSync(join(folder, "stock.v1.jsonl")), "the file moved to processed/");
      assert.ok(existsSync(join(folder, "other.v2.jsonl")), "a name that is no v1 JSON Lines file stays");
      assert.equal(await floor.stop(), 0);
      await db.connect();
      const { rows } = await db.query<{ n: number; batches: number }>(`SELECT count(*)::int AS n, count(DISTINCT batch_id)::int AS batches FROM floor_inbox`);
      assert.deepEqual(rows[0], { n: updates.length - 1, batches: Math.ceil((lines.length - 3) / 7) }, "every valid line once in the inbox, 7 to a batch");
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      assert.equal(info.state.messages, expected.accepted, "one event per accepted update");
    });
  });
});

describe("benchmark: the same-work floor does the work", function () {
  this.timeout(120_000);

  it("keeps each update once in its inbox, stock at the highest sequence, an outbox row and one stream message per change, all marked published", async () => {
    await withFloor("floor", {}, async ({ floor, url, nc, db, stream }) => {
      // Few SKUs, so updates of a record meet in a batch and across batches; many resent and late.
      const workload = { skus: 40, zipfExponent: 1, minBatch: 20, maxBatch: 120, duplicateShare: 0.1, lateShare: 0.1, seed: 7 };
      const senders = [0, 1].map((i) => new WmsSender(`floor-wms-${i}`, workload, i));
      const post = async (body: string) => {
        const response = await fetch(`${url}/invsync.wms.v1.WmsSyncService/SyncInventory`, { method: "POST", headers: { "content-type": "application/json" }, body });
        return { status: response.status, body: (await response.json()) as Record<string, number | string> };
      };
      const sent: Array<{ wmsId: string; locationId: string; update: GeneratedUpdate }> = [];
      const tally = { accepted: 0, duplicate: 0, stale: 0 };
      // What the floor must answer: per record, an update newer than every earlier one it took.
      const expected = { accepted: 0, duplicate: 0, stale: 0 };
      const seen = new Set<string>();
      const last = new Map<string, number>();
      await Promise.all(
        senders.map(async (sender, s) => {
          for (let n = 0; n < 12; n++) {
            const updates = sender.nextBatch();
            const body = sender.toJson(`floor-${s}-${n}`, updates);
            for (const bodyOnce of n === 5 ? [body, body] : [body]) {
              // The whole batch sent twice once: the second time, every update is a duplicate.
              const fresh = updates.filter((u) => !seen.has(`${sender.wmsId}/${u.sequence}`));
              for (const u of updates) seen.add(`${sender.wmsId}/${u.sequence}`);
              expected.duplicate += updates.length - fresh.length;
              for (const u of [...fresh].sort((a, b) => a.sequence - b.sequence)) {
                const key = `${skuCode(u.sku)}/${sender.locationId}`;
                if (u.sequence > (last.get(key) ?? 0)) {
                  expected.accepted++;
                  last.set(key, u.sequence);
                } else expected.stale++;
              }
              const { status, body: answer } = await post(bodyOnce);
              assert.equal(status, 200, JSON.stringify(answer));
              for (const k of ["accepted", "duplicate", "stale"] as const) tally[k] += answer[k] as number;
            }
            for (const update of updates) sent.push({ wmsId: sender.wmsId, locationId: sender.locationId, update });
          }
        }),
      );
      assert.deepEqual(tally, expected);
      assert.ok(expected.accepted > 100 && expected.duplicate > 50 && expected.stale > 5, JSON.stringify(expected));
      const refused = await post(`{"batchId":"bad","updates":[{"wmsId":"w","sequence":"1","sku":"S","quantity":-1,"status":"COUNTED","locationId":"L","observedAt":"2026-12-07T00:00:00Z"}]}`);
      assert.deepEqual([refused.status, refused.body.field], [400, "updates[0].quantity"]);

      assert.equal(await floor.stop(), 0); // publishes what it committed before it exits
      assert.deepEqual(floor.errors(), []);
      await db.connect();

      // The inbox: each (wms id, sequence) once, whatever was resent.
      const { rows: inbox } = await db.query<{ wms_id: string; sequence: string; quantity: string }>(`SELECT wms_id, sequence::text, quantity::text FROM floor_inbox`);
      const distinct = new Map(sent.map(({ wmsId, update }) => [`${wmsId}/${update.sequence}`, update]));
      assert.equal(inbox.length, distinct.size);
      for (const row of inbox) assert.equal(Number(row.quantity), distinct.get(`${row.wms_id}/${row.sequence}`)?.quantity, `${row.wms_id}/${row.sequence}`);

      // Stock: each record at the quantity of its highest sequence.
      const highest = new Map<string, GeneratedUpdate>();
      for (const { locationId, update } of sent) {
        const key = `${skuCode(update.sku)}/${locationId}`;
        if ((highest.get(key)?.sequence ?? 0) < update.sequence) highest.set(key, update);
      }
      const { rows: stock } = await db.query<{ key: string; on_hand: string; last_sequence: string; version: string }>(
        `SELECT sku || '/' || location_id AS key, on_hand::text, last_sequence::text, version::text FROM floor_stock`,
      );
      assert.equal(stock.length, highest.size);
      for (const row of stock) assert.deepEqual([Number(row.on_hand), Number(row.last_sequence)], [highest.get(row.key)!.quantity, highest.get(row.key)!.sequence], row.key);

      // The ledger/outbox: one row per accepted update, every batch marked published.
      const { rows: outbox } = await db.query<{ event_id: string }>(`SELECT event_id::text FROM floor_outbox`);
      assert.equal(outbox.length, expected.accepted);
      const { rows: unpublished } = await db.query(`SELECT 1 FROM floor_batches WHERE NOT published`);
      assert.equal(unpublished.length, 0);

      // The stream: each outbox row's event once, under its id, a record's changes in version order, chaining.
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      assert.equal(info.state.messages, expected.accepted);
      const consumer = await jetstream(nc).consumers.get(stream);
      const ids = new Set<string>();
      const chain = new Map<string, { version: number; onHand: number }>();
      for (let read = 0; read < expected.accepted; ) {
        const batch = await consumer.fetch({ max_messages: 500, expires: 5000 });
        for await (const message of batch) {
          read++;
          const event = fromBinary(InventoryEventSchema, message.data);
          assert.equal(message.headers?.get("Nats-Msg-Id"), event.eventId);
          ids.add(event.eventId);
          const key = `${event.sku}/${event.locationId}`;
          const before = chain.get(key) ?? { version: 0, onHand: 0 };
          assert.equal(Number(event.version), before.version + 1, key);
          assert.equal(Number(event.before?.onHand), before.onHand, key);
          assert.equal(Number(event.after?.onHand) - Number(event.before?.onHand), Number(event.delta), key);
          assert.ok(event.cause?.kind.case === "wmsUpdate" && event.cause.kind.value.batchId.startsWith("floor-") && event.timestamp && timestampMs(event.timestamp) > 0);
          chain.set(key, { version: Number(event.version), onHand: Number(event.after?.onHand) });
        }
      }
      assert.deepEqual([...ids].sort(), outbox.map((row) => row.event_id).sort());
      for (const row of stock) assert.deepEqual([chain.get(row.key)?.onHand, chain.get(row.key)?.version], [Number(row.on_hand), Number(row.version)], row.key);
    });
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

describe("benchmark: CPU of the server processes", function () {
  this.timeout(30_000);

  it("keeps the CPU of a process that ended during the window (a closed PostgreSQL backend) in its name's sum", async () => {
    const name = basename(process.execPath).slice(0, 15); // comm: this test's own name, as its child's
    const before = cpuSnapshot([name]).byName.get(name)!;
    const ownBefore = process.cpuUsage();
    await promisify(execFile)(process.execPath, ["-e", "const end = Date.now() + 400; while (Date.now() < end);"]);
    const own = process.cpuUsage(ownBefore);
    const grown = cpuSnapshot([name]).byName.get(name)! - before - (own.user + own.system) / 1e6;
    assert.ok(grown >= 0.25, `the ended child's ~0.4 s of CPU: ${grown.toFixed(2)} s counted`);
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
        floor: { endToEndUpdatesPerSecond: 9100.6, machineCpuMicrosPerUpdate: 180.2 },
        serviceToFloor: { endToEnd: 0.718 },
      });
      appendHistory(path, run("2026-12-06T10:00:00.000Z", 6555.3), "abc1234");
      appendHistory(path, run("2026-12-06T11:30:59.000Z", 7000), "abc1234-dirty");
      assert.deepEqual(readFileSync(path, "utf8").trim().split("\n"), [
        HISTORY_COLUMNS.join(","),
        "2026-12-06 10:00,abc1234,6555,6535,120.5,251.8,261.4,9101,180.2,0.718",
        "2026-12-06 11:30,abc1234-dirty,7000,6980,120.5,251.8,261.4,9101,180.2,0.718",
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("widens a history written before the floor columns, keeping its rows under their names", () => {
    const folder = mkdtempSync(join(tmpdir(), "invsync-history-"));
    try {
      const path = join(folder, "history.csv");
      writeFileSync(path, "date_utc,commit,committed_per_s,end_to_end_per_s,service_cpu_us_per_update,machine_cpu_us_per_update,peak_rss_mib\n2026-12-03 13:14,7cb288f,6555,6528,122.8,256.3,261.4\n");
      appendHistory(path, { date: "2026-12-07T12:00:00.000Z", saturation: { committedUpdatesPerSecond: 7000, endToEndUpdatesPerSecond: 6990, cpuMicrosPerUpdate: { service: 100 } }, service: { peakRssMiB: 250 }, floor: { endToEndUpdatesPerSecond: 9000, machineCpuMicrosPerUpdate: 170 }, serviceToFloor: { endToEnd: 0.777 } }, "def5678");
      assert.deepEqual(readFileSync(path, "utf8").trim().split("\n"), [
        HISTORY_COLUMNS.join(","),
        "2026-12-03 13:14,7cb288f,6555,6528,122.8,256.3,261.4,,,",
        "2026-12-07 12:00,def5678,7000,6990,100,100,250,9000,170,0.777",
      ]);
      writeFileSync(path, "date_utc,committed_per_s\n");
      assert.throws(() => appendHistory(path, { date: "2026-12-07T12:00:00.000Z", saturation: { committedUpdatesPerSecond: 1, endToEndUpdatesPerSecond: 1, cpuMicrosPerUpdate: {} }, service: { peakRssMiB: 1 } }, "x"), /is not a prefix/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("bench/results/history.csv has the same columns", () => {
    assert.equal(readFileSync("bench/results/history.csv", "utf8").split("\n")[0], HISTORY_COLUMNS.join(","));
  });
});

/** A floor process (with `env` added to its settings) on a database and stream of their own, a NATS connection and a client of its database for the checks; all stopped and removed after `test`. */
async function withFloor(label: string, env: Record<string, string>, test: (floor: { floor: FloorProcess; url: string; nc: NatsConnection; db: pg.Client; stream: string }) => Promise<void>): Promise<void> {
  const database = await createTestDatabase(label);
  const stream = testStream(label);
  const { floor, url } = await FloorProcess.start({ DATABASE_URL: database.url, NATS_URL, NATS_STREAM: stream.stream, NATS_SUBJECT_PREFIX: stream.subjectPrefix, ...env });
  const nc = await connect({ servers: NATS_URL });
  const db = new pg.Client({ connectionString: database.url });
  try {
    await test({ floor, url, nc, db, stream: stream.stream });
  } finally {
    await floor.stop();
    await db.end().catch(() => undefined);
    await nc.close();
    await stream.delete();
    await database.drop();
  }
}
