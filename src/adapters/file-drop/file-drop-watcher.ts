import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../shared/logger.js";
import type { IngestionControl } from "../../wms-ingestion/application/ingestion-control.js";
import { droppedFile } from "./file-source.js";
import { finishedFileName } from "./finished-file-name.js";
import type { DroppedFile } from "../../wms-ingestion/application/file-ingestion.js";

/** What a dropped file became: processed (read to the end), failed or duplicate; `<name>.report.json` holds it. */
export interface DropReport {
  readonly status: "processed" | "failed" | "duplicate";
  readonly lines: number;
  readonly outcome?: object;
}

/** Something the drop folder watcher hands each settled file to. */
export interface DroppedFileHandler {
  ingest(file: DroppedFile): Promise<DropReport>;
}

/** Where and how often to look for dropped files. */
export interface FileDropSettings {
  /** The watched folder; `processed/` and `failed/` are made inside it. */
  readonly directory: string;
  readonly pollMs: number;
  /** A file is picked up only once its size and mtime have not changed for this long (the WMS finished writing). */
  readonly settleMs: number;
}

/**
 * Watches the drop folder (by polling: it works on every file system, network mounts included).
 * Each settled file goes to its handler (WMS update files through `FileIngestion`, snapshot files
 * to reconciliation); then it moves to `processed/` or `failed/`
 * with `<name>.report.json` beside it, numbered (`<stem>-2<ext>`, …) when that name is taken there,
 * so nothing finished earlier is overwritten. While ingestion is paused, files wait where they are. Names
 * starting with `.` are ignored, so a WMS can write `.name.tmp` and rename it when done.
 */
export class FileDropWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly settings: FileDropSettings,
    private readonly files: DroppedFileHandler,
    private readonly control: IngestionControl,
    private readonly logger: Logger,
  ) {}

  /** Starts polling. */
  start(): void {
    for (const folder of ["processed", "failed"]) mkdirSync(join(this.settings.directory, folder), { recursive: true });
    const tick = (): void => {
      this.running = this.scan().then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: String(error) }, "file drop scan failed"),
      );
      void this.running.then(() => {
        if (this.timer) this.timer = setTimeout(tick, this.settings.pollMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling after the file in progress, if any, is done. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Ingests every settled file in the folder once. */
  async scan(): Promise<DropReport[]> {
    const reports: DropReport[] = [];
    for (const name of readdirSync(this.settings.directory).sort()) {
      const path = join(this.settings.directory, name);
      if (name.startsWith(".") || !statSync(path).isFile() || !this.settled(name, path)) continue;
      if ((await this.control.state()).paused) break;
      const report = await this.files.ingest(await droppedFile(path));
      const folder = join(this.settings.directory, report.status === "failed" ? "failed" : "processed");
      const kept = finishedFileName(name, (candidate) => existsSync(join(folder, candidate)));
      // The report lands (whole, by rename) before the file does: whoever sees a finished file can read
      // its report, and a crash in between leaves the file in place, to be found again as a duplicate.
      const reportPath = join(folder, `${kept}.report.json`);
      writeFileSync(`${reportPath}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
      renameSync(`${reportPath}.tmp`, reportPath);
      renameSync(path, join(folder, kept));
      this.seen.delete(name);
      this.logger.info({ file: name, keptAs: kept, status: report.status, lines: report.lines, ...report.outcome }, "dropped file ingested");
      reports.push(report);
    }
    return reports;
  }

  private settled(name: string, path: string): boolean {
    const { size, mtimeMs } = statSync(path);
    const stamp = `${size}:${mtimeMs}`;
    const settled = Date.now() - mtimeMs >= this.settings.settleMs || this.seen.get(name) === stamp;
    this.seen.set(name, stamp);
    return settled;
  }
}
