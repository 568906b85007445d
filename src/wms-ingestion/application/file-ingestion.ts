import type { RawUpdate, WmsDecoder } from "./raw-update.js";
import { addResult, EMPTY_TALLY, type IngestionTally } from "./ingestion-tally.js";
import type { BatchIngestor } from "./wms-batch-ingestion.js";

/** A rejected line of a file. */
export interface LineRejection {
  readonly line: number;
  readonly field: string;
  readonly code: string;
  readonly reason: string;
}

/** What became of a file; written beside it as `<name>.report.json`. */
export interface FileReport {
  readonly fileName: string;
  readonly contentHash: string;
  /** processed: read to the end (bad lines are listed); failed: could not be ingested at all; duplicate: same content seen before. */
  readonly status: "processed" | "failed" | "duplicate";
  readonly schemaVersion: string | undefined;
  readonly lines: number;
  readonly outcome: IngestionTally;
  /** The first rejected lines (up to the report limit), in line order. */
  readonly rejections: readonly LineRejection[];
  /** Rejected lines beyond the report limit (they are in the inbox all the same). */
  readonly rejectionsNotListed: number;
  /** Why the file failed, or which earlier file it duplicates. */
  readonly note: string;
}

/** Port: the register of dropped files, by content hash. */
export interface DroppedFiles {
  /** Registers `contentHash`; `seen` with the earlier file when that content was finished before. */
  begin(contentHash: string, fileName: string): Promise<{ readonly seen: false } | { readonly seen: true; readonly fileName: string }>;
  /** Records how the file ended. */
  finish(report: FileReport): Promise<void>;
}

/** A file to ingest: its name, the hash of its content, and its lines (streamed). */
export interface DroppedFile {
  readonly name: string;
  readonly contentHash: string;
  readonly lines: AsyncIterable<string>;
}

/** Settings of {@link FileIngestion}. */
export interface FileIngestionSettings {
  /** Lines per batch. */
  readonly batchSize: number;
  /** Rejected lines listed in a report. */
  readonly maxListedRejections: number;
}

/**
 * Use case: ingest a dropped CSV or JSON Lines file through the same inbox → ACL → domain path as
 * a pushed batch, in chunks of `batchSize` lines, so memory stays flat whatever the file's size.
 * A file whose content was already finished changes nothing; a bad line is rejected with its line
 * number while the good lines apply. Throws (and leaves the file to be retried) when ingestion
 * fails, for example while paused; a retry is safe because every update is deduplicated.
 */
export class FileIngestion {
  constructor(
    private readonly ingestion: BatchIngestor,
    private readonly decoder: WmsDecoder,
    private readonly files: DroppedFiles,
    private readonly settings: FileIngestionSettings,
  ) {}

  /** Ingests `file` and returns its report (also recorded in the register). */
  async ingest(file: DroppedFile): Promise<FileReport> {
    const base = { fileName: file.name, contentHash: file.contentHash, lines: 0, outcome: EMPTY_TALLY, rejections: [], rejectionsNotListed: 0 };
    const format = this.decoder.fileFormat(file.name);
    if (!format) {
      // Not registered: the same content under a proper name is still ingested.
      return { ...base, status: "failed", schemaVersion: undefined, note: "the name must end in .v1.csv, .v1.jsonl, .v2.csv or .v2.jsonl; the version is never guessed" };
    }
    const registered = await this.files.begin(file.contentHash, file.name);
    if (registered.seen) {
      return { ...base, status: "duplicate", schemaVersion: format.schemaVersion, note: `same content as ${registered.fileName}, ingested before; nothing changed` };
    }
    const reader = format.reader();
    const rejections: LineRejection[] = [];
    let outcome: IngestionTally = EMPTY_TALLY;
    let rejectionsNotListed = 0;
    let lineNumber = 0;
    let chunk: Array<{ line: number; raw: RawUpdate }> = [];
    let chunks = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const batch = this.decoder.mapRaw(format.schemaVersion, `file:${file.contentHash.slice(0, 16)}:${++chunks}`, chunk.map((c) => c.raw));
      const result = await this.ingestion.ingest(batch);
      outcome = addResult(outcome, result);
      for (const rejection of result.rejections) {
        if (rejections.length >= this.settings.maxListedRejections) rejectionsNotListed++;
        else rejections.push({ line: chunk[rejection.index]!.line, field: rejection.field, code: rejection.code, reason: rejection.reason });
      }
      chunk = [];
    };
    try {
      for await (const text of file.lines) {
        lineNumber++;
        const raw = reader(lineNumber, text);
        if (raw === undefined) continue;
        chunk.push({ line: lineNumber, raw });
        if (chunk.length >= this.settings.batchSize) await flush();
      }
      await flush();
    } catch (error) {
      if (!(error instanceof FileFormatError)) throw error;
      return this.finish({ ...base, status: "failed", schemaVersion: format.schemaVersion, lines: lineNumber, outcome, note: error.message });
    }
    return this.finish({ ...base, status: "processed", schemaVersion: format.schemaVersion, lines: lineNumber, outcome, rejections, rejectionsNotListed, note: "" });
  }

  private async finish(report: FileReport): Promise<FileReport> {
    await this.files.finish(report);
    return report;
  }
}

/** A file whose structure (not one line) is unusable, for example an unknown CSV column. */
export class FileFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileFormatError";
  }
}
