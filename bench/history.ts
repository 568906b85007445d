import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/** The columns of `bench/results/history.csv`, one row per full default run. */
export const HISTORY_COLUMNS = [
  "date_utc",
  "commit",
  "committed_per_s",
  "end_to_end_per_s",
  "service_cpu_us_per_update",
  "machine_cpu_us_per_update",
  "peak_rss_mib",
  "floor_end_to_end_per_s",
  "floor_machine_cpu_us_per_update",
  "end_to_end_to_floor",
] as const;

/** The figures of one run that go into a history row. */
export interface HistoryFigures {
  readonly date: string;
  readonly saturation: {
    readonly committedUpdatesPerSecond: number;
    readonly endToEndUpdatesPerSecond: number;
    readonly cpuMicrosPerUpdate: Readonly<Record<string, number>>;
  };
  readonly service: { readonly peakRssMiB: number };
  /** The same-work floor's figures of the run (absent in runs made before the floor was in the bench). */
  readonly floor?: { readonly endToEndUpdatesPerSecond: number; readonly machineCpuMicrosPerUpdate: number };
  readonly serviceToFloor?: { readonly endToEnd: number };
}

/**
 * The commit the run measured: `git rev-parse --short HEAD`, marked `-dirty` when the code differs
 * from it (results files aside), or `unknown` outside a git checkout.
 */
export function measuredCommit(root: string): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"], { cwd: root, encoding: "utf8" }).trim();
    return changed === "" ? head : `${head}-dirty`;
  } catch {
    return "unknown";
  }
}

/**
 * Appends one row for `figures` to the history file at `path`: made with its header if missing;
 * when the file's header has fewer columns (an older layout), the header is replaced and each
 * earlier row padded with empty cells, so every row keeps its figures under the same names.
 */
export function appendHistory(path: string, figures: HistoryFigures, commit: string): void {
  const header = HISTORY_COLUMNS.join(",");
  if (!existsSync(path)) writeFileSync(path, `${header}\n`);
  const [first = "", ...rows] = readFileSync(path, "utf8").split("\n").filter((line) => line !== "");
  if (first !== header) {
    const old = first.split(",");
    if (!old.every((name, i) => name === HISTORY_COLUMNS[i])) throw new Error(`${path}: its header "${first}" is not a prefix of ${header}`);
    const pad = ",".repeat(HISTORY_COLUMNS.length - old.length);
    writeFileSync(path, `${[header, ...rows.map((row) => row + pad)].join("\n")}\n`);
  }
  const cpu = figures.saturation.cpuMicrosPerUpdate;
  const machine = Object.values(cpu).reduce((sum, value) => sum + value, 0);
  const row = [
    figures.date.slice(0, 16).replace("T", " "),
    commit,
    Math.round(figures.saturation.committedUpdatesPerSecond),
    Math.round(figures.saturation.endToEndUpdatesPerSecond),
    cpu.service ?? "",
    Math.round(machine * 10) / 10,
    figures.service.peakRssMiB,
    figures.floor ? Math.round(figures.floor.endToEndUpdatesPerSecond) : "",
    figures.floor?.machineCpuMicrosPerUpdate ?? "",
    figures.serviceToFloor?.endToEnd ?? "",
  ];
  appendFileSync(path, `${row.join(",")}\n`);
}
