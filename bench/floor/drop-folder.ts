import { createReadStream, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { FloorRequestError, parseUpdate, type FloorBatchResult, type FloorUpdate } from "./ingest.js";

/** Where the floor looks for dropped files, how often, and how many lines go to a batch. */
export interface FloorDropSettings {
  readonly directory: string;
  readonly pollMs: number;
  readonly batchSize: number;
}

/** What became of a dropped file; `processed/<name>.report.json` holds it. */
export interface FloorDropReport {
  readonly fileName: string;
  readonly lines: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  /** Lines that are no v1 count (not JSON, a field missing or wrong); the rest of the file applies. */
  readonly rejected: number;
}

/** A file settles (the WMS has finished writing it) once its size and mtime held for this long, as in the service. */
const SETTLE_MS = 1000;

/**
 * The floor's drop folder, the counterpart of the service's file drop for `npm run bench`'s file
 * phase: it polls the folder, reads each settled `*.v1.jsonl` file line by line (one v1 update a
 * line), hands every `batchSize` lines to `apply` as one batch (the floor's one transaction and
 * publish, as for a pushed request), then writes the file's report into `processed/` (whole, by
 * rename) and moves the file beside it. It leaves out what only the service does with a file: the
 * content hash and register of dropped files, CSV, the v2 contract, numbering of names already
 * taken, and the `failed/` folder (a file the floor cannot read stops the floor's poll with an error).
 */
export class FloorDropFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly settings: FloorDropSettings,
    private readonly apply: (batchId: string, updates: FloorUpdate[]) => Promise<FloorBatchResult>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    mkdirSync(join(this.settings.directory, "processed"), { recursive: true });
    const tick = (): void => {
      this.running = this.scan().then(() => undefined, this.onError);
      void this.running.then(() => {
        if (this.timer) this.timer = setTimeout(tick, this.settings.pollMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling once the file in progress, if any, is done. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async scan(): Promise<void> {
    for (const name of readdirSync(this.settings.directory).sort()) {
      const path = join(this.settings.directory, name);
      if (name.startsWith(".") || !name.endsWith(".v1.jsonl") || !statSync(path).isFile() || !this.settled(name, path)) continue;
      const report = await this.ingest(name, path);
      const reportPath = join(this.settings.directory, "processed", `${name}.report.json`);
      writeFileSync(`${reportPath}.tmp`, `${JSON.stringify(report)}\n`);
      renameSync(`${reportPath}.tmp`, reportPath);
      renameSync(path, join(this.settings.directory, "processed", name));
      this.seen.delete(name);
    }
  }

  private async ingest(fileName: string, path: string): Promise<FloorDropReport> {
    const tally = { lines: 0, accepted: 0, duplicate: 0, stale: 0, rejected: 0 };
    let batch: FloorUpdate[] = [];
    let batches = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const result = await this.apply(`${fileName}:${++batches}`, batch);
      tally.accepted += result.accepted;
      tally.duplicate += result.duplicate;
      tally.stale += result.stale;
      batch = [];
    };
    for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      tally.lines++;
      if (line.trim() === "") continue;
      try {
        batch.push(parseUpdate(JSON.parse(line), batch.length, `line ${tally.lines}`));
      } catch (error) {
        if (!(error instanceof FloorRequestError) && !(error instanceof SyntaxError)) throw error;
        tally.rejected++;
      }
      if (batch.length >= this.settings.batchSize) await flush();
    }
    await flush();
    return { fileName, ...tally };
  }

  private settled(name: string, path: string): boolean {
    const { size, mtimeMs } = statSync(path);
    const stamp = `${size}:${mtimeMs}`;
    const settled = Date.now() - mtimeMs >= SETTLE_MS || this.seen.get(name) === stamp;
    this.seen.set(name, stamp);
    return settled;
  }
}
