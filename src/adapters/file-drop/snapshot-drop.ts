import { basename } from "node:path";
import type { SnapshotReconciliation } from "../../reconciliation/application/snapshot-reconciliation.js";
import type { SnapshotFile, SnapshotFiles } from "../../reconciliation/application/snapshot-sources.port.js";
import type { Actor } from "../../reconciliation/domain/audit-entry.js";
import type { ReconciliationResult } from "../../reconciliation/domain/record-comparison.js";
import { isInventorySyncError } from "../../shared/errors.js";
import type { DroppedFile } from "../../wms-ingestion/application/file-ingestion.js";
import { fileInDropFolder } from "./drop-folder-path.js";
import type { DropReport, DroppedFileHandler } from "./file-drop-watcher.js";
import { droppedFile } from "./file-source.js";
import { snapshotPages } from "./snapshot-file.js";

/** The report of a dropped snapshot file. */
export interface SnapshotFileReport extends DropReport {
  readonly fileName: string;
  readonly runId: number | undefined;
  readonly result: ReconciliationResult | undefined;
  readonly note: string;
}

/** The actor of runs started by a dropped file. */
const FILE_DROP: Actor = { name: "system:file-drop", role: "system" };

/**
 * Runs a reconciliation for each dropped `*.snapshot.csv` / `*.snapshot.jsonl` file (see
 * `snapshot-file.ts`). A file that cannot be read, or a bad line, fails the run: the file goes to
 * `failed/` with the reason. While ingestion is paused the run is refused and the file waits.
 */
export function snapshotDropHandler(runs: SnapshotReconciliation, pageLines: number): DroppedFileHandler {
  return {
    async ingest(file: DroppedFile): Promise<SnapshotFileReport> {
      const header = { source: "file" as const, wmsId: "file", snapshotRef: file.name, complete: false };
      try {
        const run = await runs.runPages(header, snapshotPages(file.name, () => file.lines, pageLines), FILE_DROP);
        return { fileName: file.name, status: "processed", lines: run?.lines ?? 0, runId: run?.id, result: run?.result, note: "" };
      } catch (error) {
        if (isInventorySyncError(error) && error.kind === "unavailable") throw error;
        const note = isInventorySyncError(error) ? `${error.message}` : String(error);
        return { fileName: file.name, status: "failed", lines: 0, runId: undefined, result: undefined, note };
      }
    },
  };
}

/** Hands snapshot files to `snapshots` and every other file to `updates` (the WMS update files). */
export function byFileKind(snapshots: DroppedFileHandler, updates: DroppedFileHandler, isSnapshot: (name: string) => boolean): DroppedFileHandler {
  return { ingest: (file) => (isSnapshot(file.name) ? snapshots : updates).ingest(file) };
}

/** {@link SnapshotFiles} inside the drop folder (what `RunReconciliation` with a `file_path` reads). */
export function snapshotFilesIn(dropDir: string, pageLines: number): SnapshotFiles {
  return {
    async open(path: string): Promise<SnapshotFile> {
      const full = fileInDropFolder(dropDir, path, "RECONCILIATION.INVALID_RUN", "file_path");
      const file = await droppedFile(full);
      return { name: basename(full), pages: snapshotPages(file.name, () => file.lines, pageLines) };
    },
  };
}
