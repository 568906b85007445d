import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropFile, dropReport } from "./support/drop-folder.js";
import { onHand, sql } from "./support/operator-calls.js";
import { startTestService, type TestService } from "./support/test-service.js";

describe("contract: WMS file drop — the watched folder, as a WMS uses it", function () {
  this.timeout(60_000);
  let svc: TestService;
  const dropDir = mkdtempSync(join(tmpdir(), "invsync-drop-"));
  const inboxSize = async (): Promise<number> => (await sql(svc, `SELECT count(*)::int AS n FROM wms_updates`))[0].n;

  before(async () => {
    svc = await startTestService("wms_file_drop", { WMS_DROP_DIR: dropDir, WMS_DROP_POLL_MS: "100" });
  });
  after(async () => {
    await svc?.stop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it("ingests a dropped v1 CSV: the broken line is reported by number while the rest applies; the same content again changes nothing", async () => {
    const at = new Date(Date.now() - 5000).toISOString();
    const csv = [
      "wms_id,sequence,sku,quantity,status,location_id,observed_at",
      `wms-file,1,FILE-1,10,COUNTED,,${at}`,
      `wms-file,2,FILE-2,4,COUNTED,DC-1`,
      `wms-file,3,FILE-3,-1,COUNTED,,${at}`,
      "",
      `wms-file,4,FILE-1,12,COUNTED,,${at}`,
    ].join("\n");
    dropFile(dropDir, "counts.v1.csv", csv);
    const report = await dropReport(dropDir, "counts.v1.csv");
    assert.equal(report.status, "processed");
    assert.deepEqual([report.outcome.accepted, report.outcome.rejected], [2, 2]);
    assert.deepEqual(report.rejections.map((r: { line: number; code: string }) => [r.line, r.code]), [[3, "LINE_MALFORMED"], [4, "QUANTITY_NEGATIVE"]]);
    assert.equal(await onHand(svc, "FILE-1"), "12");
    const inbox = await inboxSize();

    dropFile(dropDir, "counts-again.v1.csv", csv);
    dropFile(dropDir, "no-version.csv", csv);
    const again = await dropReport(dropDir, "counts-again.v1.csv");
    assert.equal(again.status, "duplicate");
    assert.match(again.note, /counts\.v1\.csv/);
    await dropReport(dropDir, "no-version.csv", "failed");
    assert.equal(await inboxSize(), inbox, "the same content again stores nothing");
  });
});
