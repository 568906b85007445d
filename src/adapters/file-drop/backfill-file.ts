import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { ValidationError } from "../../shared/errors.js";
import type { FileIngestion, FileReport } from "../../wms-ingestion/application/file-ingestion.js";
import { droppedFile } from "./file-source.js";

/**
 * Ingests a file an operator names for a backfill. Only files inside the drop folder are read (no
 * absolute paths, no `..`): the operations endpoint must not become a way to read the server's
 * files. The file stays where it is.
 */
export function backfillFile(dropDir: string, files: FileIngestion): (path: string) => Promise<FileReport> {
  return async (path) => {
    const relative = normalize(path);
    if (path === "" || isAbsolute(path) || relative.split(sep).includes("..")) {
      throw new ValidationError("OPERATIONS.INVALID_BACKFILL", [{ field: "file_path", reason: "must be a path inside the drop folder (WMS_DROP_DIR), without '..'" }]);
    }
    const full = join(dropDir, relative);
    if (!existsSync(full) || !statSync(full).isFile()) {
      throw new ValidationError("OPERATIONS.INVALID_BACKFILL", [{ field: "file_path", reason: `no file "${relative}" in the drop folder` }]);
    }
    return files.ingest(await droppedFile(full));
  };
}
