import assert from "node:assert/strict";
import { FileLineReader, fileFormatOf } from "./wms-file-formats.js";

const BOM = "\uFEFF";

/** The raw updates `lines` of a file named `fileName` read into (header and blank lines give none). */
function readFile(fileName: string, lines: readonly string[]) {
  const reader = new FileLineReader(fileFormatOf(fileName)!);
  return lines.map((line, i) => reader.read(i + 1, line)).filter((raw) => raw !== undefined);
}

describe("WMS file lines", () => {
  it("ignore a byte order mark opening a JSON Lines file, so its first update is read like the others", () => {
    const line = JSON.stringify({ wmsId: "wms-a", sequence: "1", sku: "SKU-1", quantity: 3 });
    const read = { json: JSON.parse(line), received: { form: "json", text: line } };
    assert.deepEqual(readFile("export.v1.jsonl", [BOM + line, line]), [read, read], "the mark is not part of the text legacy is handed either");
  });

  it("ignore a byte order mark opening a CSV file, so its header names the columns", () => {
    assert.deepEqual(readFile("export.v2.csv", [`${BOM}source_system,seq_no,item_code,sellable`, "wms-b,7,SKU-2,4"]), [
      {
        json: { sourceSystem: "wms-b", seqNo: "7", itemCode: "SKU-2", snapshot: { sellable: "4" } },
        received: { form: "csv", text: "source_system,seq_no,item_code,sellable\nwms-b,7,SKU-2,4" },
      },
    ]);
  });

  it("reject a byte order mark inside a file as part of the line it is on, by line number", () => {
    const [, second] = readFile("export.v1.jsonl", ['{"wmsId":"wms-a"}', `${BOM}{"wmsId":"wms-a"}`]);
    assert.ok(second && "unreadable" in second);
    assert.deepEqual([second.unreadable.code, /^line 2 /.test(second.unreadable.reason)], ["LINE_MALFORMED", true]);
  });
});
