import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isInventorySyncError } from "../../shared/errors.js";
import type { SnapshotPage } from "../../reconciliation/application/snapshot-reconciliation.js";
import { droppedFile } from "./file-source.js";
import { isSnapshotFileName, snapshotPages } from "./snapshot-file.js";

async function pages(name: string, text: string, pageLines = 2): Promise<SnapshotPage[]> {
  async function* lines() {
    yield* text.split("\n");
  }
  const out: SnapshotPage[] = [];
  for await (const page of snapshotPages(name, lines, pageLines)) out.push(page);
  return out;
}

async function failure(name: string, text: string): Promise<string> {
  try {
    await pages(name, text);
  } catch (error) {
    assert.ok(isInventorySyncError(error));
    return error.message;
  }
  return assert.fail("expected a refusal");
}

describe("snapshot files", () => {
  it("are named *.snapshot.csv or *.snapshot.jsonl", () => {
    assert.deepEqual(["a.snapshot.csv", "b.SNAPSHOT.jsonl", "c.v1.csv", "snapshot.csv"].map(isSnapshotFileName), [true, true, false, false]);
  });

  it("reads CSV columns in any order (location optional) in pages; the first line's time is the snapshot's", async () => {
    const read = await pages("x.snapshot.csv", "observed_at,quantity,sku\n2026-11-24T02:00:00Z,5,S-1\n\n2026-11-24T02:01:00Z,0,S-2\n2026-11-24T02:02:00Z,7,S-3\n");
    assert.deepEqual(read.map((p) => p.lines.length), [2, 1]);
    assert.ok(read.every((p) => p.takenAt.toISOString() === "2026-11-24T02:00:00.000Z"));
    assert.deepEqual(read[0]!.lines[1], { sku: "S-2", locationId: "", quantity: 0n, observedAt: new Date("2026-11-24T02:01:00Z") });
  });

  it("reads JSON Lines of SnapshotCount, refusing unknown fields", async () => {
    const read = await pages("x.snapshot.jsonl", '{"sku":"S-1","locationId":"DC-1","quantity":"3","observedAt":"2026-11-24T02:00:00Z"}');
    assert.deepEqual(read[0]!.lines, [{ sku: "S-1", locationId: "DC-1", quantity: 3n, observedAt: new Date("2026-11-24T02:00:00Z") }]);
    assert.match(await failure("x.snapshot.jsonl", '{"sku":"S-1","qty":3,"observedAt":"2026-11-24T02:00:00Z"}'), /line 1: is not a SnapshotCount/);
  });

  it("fails the whole file on a bad header or line, naming it", async () => {
    assert.match(await failure("x.snapshot.csv", "sku,qty,observed_at\nS-1,1,2026-11-24T02:00:00Z"), /line 1: the header must name .*unknown: qty; missing: quantity/);
    assert.match(await failure("x.snapshot.csv", "sku,quantity,observed_at\nS-1,1,yesterday"), /line 2: observed_at must be an ISO 8601 time/);
    assert.match(await failure("x.snapshot.csv", "sku,quantity,observed_at\nS-1,1"), /line 2: has 2 fields; the header has 3/);
    assert.match(await failure("x.snapshot.jsonl", '{"sku":"S-1","quantity":"3"}'), /line 1: observedAt is required/);
  });

  it("opens a real file's lines only when the first page is asked for, so none is lost however late that is", async () => {
    const folder = mkdtempSync(join(tmpdir(), "invsync-snapshot-file-"));
    try {
      const path = join(folder, "late.snapshot.csv");
      writeFileSync(path, "sku,quantity,observed_at\nS-1,5,2026-11-24T02:00:00Z\nS-2,6,2026-11-24T02:00:00Z\n");
      const file = await droppedFile(path);
      const iterator = snapshotPages(file.name, () => file.lines, 10)[Symbol.asyncIterator]();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const first = await iterator.next();
      assert.deepEqual(first.done ? [] : first.value.lines.map((l) => l.sku), ["S-1", "S-2"]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
