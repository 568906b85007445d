/**
 * `npm run bench:file-drop [-- --mb 1024]`: generates a WMS v2 JSON Lines file of the given size
 * (snapshots and movements over 50,000 SKUs), ingests it through the real file-drop path (file
 * hash → line reader → ACL → inbox → domain → outbox, in batches) against the local PostgreSQL,
 * in a database of its own that it drops afterwards, and prints throughput and peak RSS. The RSS
 * samples along the way show memory stays flat whatever the file's size.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { droppedFile } from "../src/adapters/file-drop/file-source.js";
import { openDatabase } from "../src/adapters/persistence/database.js";
import { KnexDroppedFiles } from "../src/adapters/persistence/knex-dropped-files.js";
import { systemClock } from "../src/shared/clock.js";
import { silentLogger } from "../src/shared/logger.js";
import { wmsDecoder } from "../src/wms-ingestion/acl/wms-decoder.js";
import { FileIngestion } from "../src/wms-ingestion/application/file-ingestion.js";
import type { BatchIngestor } from "../src/wms-ingestion/application/wms-batch-ingestion.js";
import { bootstrapFlags, routedIngestionStack } from "../contract-tests/support/routed-stack.js";
import { createTestDatabase } from "../contract-tests/support/test-servers.js";

const { values } = parseArgs({ options: { mb: { type: "string", default: "1024" }, batch: { type: "string", default: "1000" } } });
const targetBytes = Number(values.mb) * 1024 * 1024;
const SKUS = 50_000;
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function generate(path: string): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const at = new Date(Date.now() - 86_400_000).toISOString();
  let written = 0;
  let seq = 0;
  while (written < targetBytes) {
    seq++;
    const sku = `BENCH-${(seq % SKUS).toString().padStart(6, "0")}`;
    // Per SKU: a snapshot, then receipts and picks that never go below zero.
    const round = Math.floor(seq / SKUS);
    const body = round % 4 === 0 ? { snapshot: { sellable: "100", damaged: "1" } } : { movement: { movementType: round % 2 ? "MOVEMENT_TYPE_RECEIPT" : "MOVEMENT_TYPE_PICK", delta: round % 2 ? "3" : "-2", reference: `DOC-${seq}` } };
    const line = `${JSON.stringify({ sourceSystem: "wms-bench", seqNo: String(seq), itemCode: sku, site: "DC-1", eventTime: at, ...body })}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return seq;
}

const folder = mkdtempSync(join(tmpdir(), "invsync-bench-"));
const path = join(folder, "bench.v2.jsonl");
const testDb = await createTestDatabase("bench_file_drop");
const database = await openDatabase({ url: testDb.url, dataDir: "", poolMax: 4 }, silentLogger);
try {
  let started = Date.now();
  const lines = await generate(path);
  const bytes = statSync(path).size;
  console.log(`generated ${mib(bytes)} MiB, ${lines.toLocaleString()} lines in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  await database.migrate();
  const flags = await bootstrapFlags("flags/all-new.json");
  const { ingestion } = routedIngestionStack(database, flags, 100_000);
  let done = 0;
  let peakRss = process.memoryUsage().rss;
  let nextReport = 0.1;
  const measured: BatchIngestor = {
    async ingest(batch) {
      const result = await ingestion.ingest(batch);
      done += batch.updates.length;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (done / lines >= nextReport) {
        console.log(`  ${Math.round((done / lines) * 100)}%: ${done.toLocaleString()} lines, RSS ${mib(process.memoryUsage().rss)} MiB`);
        nextReport += 0.1;
      }
      return result;
    },
  };
  const files = new FileIngestion(measured, wmsDecoder({ clock: systemClock, maxFutureSkewMs: 300_000 }), new KnexDroppedFiles(database.knex), {
    batchSize: Number(values.batch),
    maxListedRejections: 1000,
  });
  started = Date.now();
  const report = await files.ingest(await droppedFile(path));
  const seconds = (Date.now() - started) / 1000;
  console.log(`ingested ${report.lines.toLocaleString()} lines (${JSON.stringify(report.outcome)}) in ${seconds.toFixed(1)} s (hash pass included)`);
  console.log(`throughput: ${Math.round(report.lines / seconds).toLocaleString()} lines/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MiB/s`);
  console.log(`peak RSS: ${mib(Math.max(peakRss, process.resourceUsage().maxRSS * 1024))} MiB for a ${mib(bytes)} MiB file`);
} finally {
  await database.close();
  await testDb.drop();
  rmSync(folder, { recursive: true, force: true });
}
