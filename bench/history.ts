import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";

/** The columns of `bench/results/history.csv`, one row per full default run. */
export const HISTORY_COLUMNS = [
  "date_utc",
  "commit",
  "committed_per_s",
  "end_to_end_per_s",
  "service_cpu_us_per_update",
  "machine_cpu_us_per_update",
  "peak_rss_mib",
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

/** Appends one row for `figures` to the history file at `path` (made with its header if missing). */
export function appendHistory(path: string, figures: HistoryFigures, commit: string): void {
  if (!existsSync(path)) writeFileSync(path, `${HISTORY_COLUMNS.join(",")}\n`);
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
  ];
  appendFileSync(path, `${row.join(",")}\n`);
}
