import assert from "node:assert/strict";
import { finishedFileName } from "./finished-file-name.js";

describe("finished file names", () => {
  const takenIn = (...names: string[]) => (candidate: string) => names.includes(candidate);

  it("keep the dropped name while nothing of that name is in the folder", () => {
    assert.equal(finishedFileName("stock.v2.jsonl", takenIn("other.v2.jsonl")), "stock.v2.jsonl");
  });

  it("number a name already taken before its last extension, so no earlier file is overwritten", () => {
    assert.equal(finishedFileName("stock.v2.jsonl", takenIn("stock.v2.jsonl", "stock.v2.jsonl.report.json")), "stock.v2-2.jsonl");
    assert.equal(finishedFileName("stock.v2.jsonl", takenIn("stock.v2.jsonl", "stock.v2-2.jsonl", "stock.v2-3.jsonl.report.json")), "stock.v2-4.jsonl");
    assert.equal(finishedFileName("export", takenIn("export")), "export-2");
  });

  it("count a name as taken when only its report is left, so no earlier report is overwritten", () => {
    assert.equal(finishedFileName("counts.v1.csv", takenIn("counts.v1.csv.report.json")), "counts.v1-2.csv");
  });
});
