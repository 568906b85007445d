import type { FileIngestion, FileReport } from "../../wms-ingestion/application/file-ingestion.js";
import { fileInDropFolder } from "./drop-folder-path.js";
import { droppedFile } from "./file-source.js";

/**
 * Ingests a file an operator names for a backfill. Only files inside the drop folder are read (see
 * {@link fileInDropFolder}). The file stays where it is.
 */
export function backfillFile(dropDir: string, files: FileIngestion): (path: string) => Promise<FileReport> {
  return async (path) => files.ingest(await droppedFile(fileInDropFolder(dropDir, path, "OPERATIONS.INVALID_BACKFILL", "file_path")));
}
