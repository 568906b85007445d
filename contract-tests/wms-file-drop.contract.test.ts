import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropFile, dropReport } from "./support/drop-folder.js";
import { onHand, sql } from "./support/operator-calls.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { getJson, postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

/** `n` seconds into a minute ago: event times in a file's order, all safely in the past. */
const at = (n: number): string => new Date(Date.now() - 60_000 + n * 1000).toISOString();

describe("contract: WMS file drop through the watched folder, as a WMS uses it, and the schema version the inbox records", function () {
  this.timeout(60_000);
  let svc: TestService;
  const dropDir = mkdtempSync(join(tmpdir(), "invsync-drop-"));
  const inboxSize = async (): Promise<number> => (await sql(svc, `SELECT count(*)::int AS n FROM wms_updates`))[0].n;
  const stockOf = async (sku: string): Promise<{ onHand: string; damaged: string }> => {
    const { onHand, damaged } = (await getJson(`${svc.baseUrl}/inventory/${sku}`)).body.stock;
    return { onHand, damaged };
  };

  /** Drops `content` again under `name`: it is reported as a duplicate of `original` and inbox and stock stay as they were. */
  async function assertSameContentChangesNothing(name: string, content: string, original: string, skus: readonly string[]): Promise<void> {
    const inbox = await inboxSize();
    const stock = await Promise.all(skus.map(stockOf));
    dropFile(dropDir, name, content);
    const again = await dropReport(dropDir, name);
    assert.equal(again.status, "duplicate");
    assert.ok(again.note.includes(original), again.note);
    assert.equal(await inboxSize(), inbox, "the same content again stores nothing");
    assert.deepEqual(await Promise.all(skus.map(stockOf)), stock, "the same content again changes no stock");
  }

  before(async () => {
    svc = await startTestService("wms_file_drop", { WMS_DROP_DIR: dropDir, WMS_DROP_POLL_MS: "100" });
  });
  after(async () => {
    await svc?.stop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it("ingests a dropped v1 CSV: the broken line is reported by number while the rest applies; the same content again changes nothing", async () => {
    const csv = [
      "wms_id,sequence,sku,quantity,status,location_id,observed_at",
      `wms-file,1,FILE-1,10,COUNTED,,${at(1)}`,
      `wms-file,2,FILE-2,4,COUNTED,DC-1`,
      `wms-file,3,FILE-3,-1,COUNTED,,${at(3)}`,
      "",
      `wms-file,4,FILE-1,12,COUNTED,,${at(4)}`,
    ].join("\n");
    dropFile(dropDir, "counts.v1.csv", csv);
    const report = await dropReport(dropDir, "counts.v1.csv");
    assert.equal(report.status, "processed");
    assert.deepEqual([report.outcome.accepted, report.outcome.rejected], [2, 2]);
    assert.deepEqual(report.rejections.map((r: { line: number; code: string }) => [r.line, r.code]), [[3, "LINE_MALFORMED"], [4, "QUANTITY_NEGATIVE"]]);
    assert.equal(await onHand(svc, "FILE-1"), "12");

    await assertSameContentChangesNothing("counts-again.v1.csv", csv, "counts.v1.csv", ["FILE-1"]);
    dropFile(dropDir, "no-version.csv", csv);
    assert.equal((await dropReport(dropDir, "no-version.csv", "failed")).status, "failed", "a name without a version is never guessed");
  });

  it("ingests a dropped v2 CSV of a snapshot and movements: the broken line is reported by number while the rest applies; the same content again changes nothing", async () => {
    const csv = [
      "source_system,seq_no,item_code,site,event_time,sellable,damaged,quality_hold,movement_type,delta,stock_status,to_site,to_stock_status,reference",
      `wms-csv2,1,CSV2-1,,${at(1)},10,1,0,,,,,,`,
      `wms-csv2,2,CSV2-1,,${at(2)},,,,RECEIPT,5,,,,PO-1`,
      `wms-csv2,3,CSV2-1,,${at(3)},,,,PICK,4,,,,ORDER-9`,
      `wms-csv2,4,CSV2-1,,${at(4)},,,,TRANSFER,2,SELLABLE,,DAMAGED,`,
      `wms-csv2,5,CSV2-2,DC-2,${at(5)},,,,RECEIPT,7,,,,PO-2`,
    ].join("\n");
    dropFile(dropDir, "night.v2.csv", csv);
    const report = await dropReport(dropDir, "night.v2.csv");
    assert.deepEqual([report.status, report.schemaVersion, report.lines], ["processed", "wms.v2", 6]);
    assert.deepEqual([report.outcome.accepted, report.outcome.rejected], [4, 1]);
    assert.deepEqual(report.rejections.map((r: { line: number; field: string; code: string }) => [r.line, r.field, r.code]), [[4, "movement.delta", "DELTA_SIGN_MISMATCH"]]);
    assert.deepEqual(await stockOf("CSV2-1"), { onHand: "13", damaged: "3" }, "snapshot 10 + receipt 5 − 2 moved to damaged; the broken pick changed nothing");
    assert.equal(await onHand(svc, "CSV2-2"), "7");

    await assertSameContentChangesNothing("night-again.v2.csv", csv, "night.v2.csv", ["CSV2-1", "CSV2-2"]);
  });

  it("moves a v2 CSV written with v1's columns to failed/ whole, its report naming the unknown columns, and stores nothing", async () => {
    const inbox = await inboxSize();
    dropFile(dropDir, "mislabelled.v2.csv", ["wms_id,sequence,sku,quantity,status,location_id,observed_at", `wms-mis,1,MIS-1,10,COUNTED,,${at(1)}`].join("\n"));
    const report = await dropReport(dropDir, "mislabelled.v2.csv", "failed");
    assert.deepEqual([report.status, report.outcome.received], ["failed", 0]);
    assert.match(report.note, /line 1: unknown CSV column\(s\) "wms_id", "sequence", "sku"/);
    assert.equal(await inboxSize(), inbox);
    assert.equal(await onHand(svc, "MIS-1"), undefined);
  });

  it("ingests a dropped v1 JSON Lines file: a v2 record among v1 lines is rejected by its line number while the rest applies; the same content again changes nothing", async () => {
    const v1 = (sequence: number, sku: string, quantity: number, locationId = "") =>
      JSON.stringify({ wmsId: "wms-jsonl1", sequence: String(sequence), sku, quantity, status: "COUNTED", observedAt: at(sequence), ...(locationId && { locationId }) });
    const jsonl = [
      v1(1, "JSONL-1", 8),
      JSON.stringify({ sourceSystem: "wms-jsonl1", seqNo: "2", itemCode: "JSONL-1", eventTime: at(2), snapshot: { sellable: "99" } }),
      v1(3, "JSONL-1", 6),
      v1(4, "JSONL-2", 3, "DC-1"),
      "",
    ].join("\n");
    dropFile(dropDir, "counts.v1.jsonl", jsonl);
    const report = await dropReport(dropDir, "counts.v1.jsonl");
    assert.deepEqual([report.status, report.schemaVersion], ["processed", "wms.v1"]);
    assert.deepEqual([report.outcome.accepted, report.outcome.rejected], [3, 1]);
    assert.deepEqual(report.rejections.map((r: { line: number; code: string }) => [r.line, r.code]), [[2, "UPDATE_MALFORMED"]]);
    assert.equal(await onHand(svc, "JSONL-1"), "6", "the v2 snapshot of 99 was not guessed into a count");
    assert.equal(await onHand(svc, "JSONL-2"), "3");

    await assertSameContentChangesNothing("counts-again.v1.jsonl", jsonl, "counts.v1.jsonl", ["JSONL-1", "JSONL-2"]);
  });

  it("keeps every file and report when the WMS drops under a name already in processed/ (a retry, the same name every night)", async () => {
    const night = (seqNo: number, sellable: string) =>
      `${JSON.stringify({ sourceSystem: "wms-nightly", seqNo: String(seqNo), itemCode: "NIGHT-1", eventTime: at(seqNo), snapshot: { sellable } })}\nnot json\n`;
    const firstNight = night(1, "10");
    dropFile(dropDir, "stock.v2.jsonl", firstNight);
    const first = await dropReport(dropDir, "stock.v2.jsonl");
    assert.deepEqual(first.rejections.map((r: { line: number }) => r.line), [2]);

    dropFile(dropDir, "stock.v2.jsonl", firstNight);
    const retry = await dropReport(dropDir, "stock.v2-2.jsonl");
    assert.deepEqual([retry.status, retry.fileName], ["duplicate", "stock.v2.jsonl"]);
    dropFile(dropDir, "stock.v2.jsonl", night(2, "12"));
    const nextNight = await dropReport(dropDir, "stock.v2-3.jsonl");
    assert.deepEqual([nextNight.status, nextNight.outcome.accepted, await onHand(svc, "NIGHT-1")], ["processed", 1, "12"]);
    assert.deepEqual(await dropReport(dropDir, "stock.v2.jsonl"), first, "the first report is still there, unchanged");
    assert.ok(!existsSync(join(dropDir, "stock.v2.jsonl")), "nothing is left waiting");
    assert.deepEqual(readdirSync(join(dropDir, "processed")).filter((n) => n.startsWith("stock.")).sort(), [
      "stock.v2-2.jsonl",
      "stock.v2-2.jsonl.report.json",
      "stock.v2-3.jsonl",
      "stock.v2-3.jsonl.report.json",
      "stock.v2.jsonl",
      "stock.v2.jsonl.report.json",
    ]);
  });

  it("records in the inbox the schema version of every update, whichever way it came: v1 push, v2 push, v2 file, v1 file", async () => {
    const source = { wmsId: "wms-schema" };
    const record = (seqNo: number, delta: string) => ({ sourceSystem: "wms-schema", seqNo: String(seqNo), itemCode: "SCHEMA-1", eventTime: at(seqNo), movement: { movementType: "MOVEMENT_TYPE_RECEIPT", delta } });
    assert.equal((await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("schema-v1", [wmsUpdate("SCHEMA-1", 1, 4, source)]))).body.accepted, 1);
    const v2 = await postJson(`${svc.baseUrl}/invsync.wms.v2.WmsSyncService/SyncStock`, { batchRef: "schema-v2", records: [record(2, "3"), record(3, "0")] });
    assert.deepEqual([v2.body.applied, v2.body.rejected], [1, 1]);
    dropFile(dropDir, "schema.v2.jsonl", JSON.stringify(record(4, "2")));
    await dropReport(dropDir, "schema.v2.jsonl");
    dropFile(dropDir, "schema.v1.jsonl", [wmsUpdate("SCHEMA-1", 5, 10, source), wmsUpdate("SCHEMA-1", 6, -1, source)].map((u) => JSON.stringify(u)).join("\n"));
    await dropReport(dropDir, "schema.v1.jsonl");

    const rows = await sql(svc, `SELECT sequence::int AS seq, status, schema_version FROM wms_updates WHERE wms_id = 'wms-schema' ORDER BY sequence`);
    assert.deepEqual(
      rows.map((r) => [r.seq, r.status, r.schema_version]),
      [
        [1, "applied", "wms.v1"],
        [2, "applied", "wms.v2"],
        [3, "rejected", "wms.v2"],
        [4, "applied", "wms.v2"],
        [5, "applied", "wms.v1"],
        [6, "rejected", "wms.v1"],
      ],
    );
  });
});
