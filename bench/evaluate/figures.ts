/**
 * The figures `docs/evaluation.md` shows for the quick and the default day, written from their
 * JSON (`bench/results/evaluation-<mode>.json`): `npm run evaluate` rewrites its day's block after
 * a standard run, `npm run evaluate:figures` rewrites every block from the files, and the docs test
 * checks they agree.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** A duration as the tables show it: ms, s, min or h. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A share as a percentage. */
export function percent(share: number, digits = 2): string {
  return `${(share * 100).toFixed(digits)} %`;
}

const n = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });

/** The standard days with a block in the doc. */
export const MODES = ["default", "quick"] as const;
export type Mode = (typeof MODES)[number];

const begin = (mode: Mode) => `<!-- evaluation-figures:begin ${mode} (written from bench/results/evaluation-${mode}.json by npm run evaluate) -->`;
const END = "<!-- evaluation-figures:end -->";

/** One world's oversells as a cell: the rate, then what it is made of. */
function oversells(o: { perThousand: number; oversold: number; reservations: number; refusedAtPick: number; foundShortByCount: number }): string {
  return `${n(o.perThousand, 2)} (${n(o.oversold)} of ${n(o.reservations)}; refused at the pick ${n(o.refusedAtPick)}, found short by a count ${n(o.foundShortByCount)}, a line counted once)`;
}

/** The markdown block for one standard day's report (`report`: the JSON `bench/evaluate/run.ts` writes). */
export function evaluationBlock(report: any): string {
  const mode = report.mode as Mode;
  const { settings: s, legacy, service } = report;
  const gate = (name: string) => report.gates.find((g: { name: string }) => g.name === name);
  const judged = (g: { gate: string; pass: boolean }) => `${g.gate}: ${g.pass ? "**pass**" : "**FAIL**"}`;
  const aim = (g: { aim: string; aimMet: boolean }) => `${g.aim}: ${g.aimMet ? "met" : "**missed**"}`;
  const freshness = gate("freshness");
  const oversell = gate("oversell");
  const discrepancy = gate("discrepancy");
  const snapshotCell = (d: { share: number; skusWithDiscrepancy: number; skusCompared: number }) => `${percent(d.share)} (${n(d.skusWithDiscrepancy)} of ${n(d.skusCompared)})`;
  const when = `${String(report.date).slice(0, 16).replace("T", " ")} UTC`;
  const day = `${n(s.skus)} SKUs × ${s.warehouses} warehouses, ${n(s.orderLines)} order lines, seed ${s.seed}; ${n(report.daySeconds)} s real, ${n(report.compression)}× compressed`;
  const machine = `${report.machine.cpus} vCPU ${report.machine.model}, ${report.machine.memoryGiB} GiB, PostgreSQL and NATS on the same machine`;
  const pace = `at worst ${n(service.maxBehindSeconds, 1)} s behind the schedule, 99 % of the order-line calls within ${n(service.callsBehindP99Seconds, 1)} s`;
  const kept = report.keptUp
    ? `It kept up: ${pace}.`
    : `It did **not** keep up: ${pace}, so 1 % of the calls went out more than ${n((service.callsBehindP99Seconds * report.compression) / 60)} minutes of the day late and the figures are of a distorted day.`;
  const rows = [
    ["freshness median, day time", duration(legacy.freshness.medianMs), `${duration(service.freshness.medianMs)} (real: ${duration(service.realFreshness.medianMs)})`, judged(freshness), aim(freshness)],
    ["freshness p99, day time", duration(legacy.freshness.p99Ms), `${duration(service.freshness.p99Ms)} (real: ${duration(service.realFreshness.p99Ms)})`, "", ""],
    ["oversold lines per 1,000 reserved", oversells(legacy.oversell), oversells(service.oversell), `${judged(oversell)} (${percent(oversell.service, 1)} fewer)`, aim(oversell)],
    ["lines refused at reservation (lost sales)", n(legacy.refusedAtReservation), n(service.refusedAtReservation), "", ""],
    ["SKUs differing from the WMS's snapshot", snapshotCell(legacy.discrepancy), snapshotCell(service.discrepancy), judged(discrepancy), aim(discrepancy)],
    ["SKUs differing from the physical floor", percent(legacy.discrepancy.offFloorShare), percent(service.discrepancy.offFloorShare), "", ""],
    ["SKUs the WMS's own book has wrong", n(legacy.discrepancy.wmsBookOffFloor), n(service.discrepancy.wmsBookOffFloor), "", ""],
  ].map((cells) => `| ${cells.join(" | ")} |`);
  const agreement = (report.agreement as Array<{ figure: string; service: number; harness: number; agrees: boolean }>).map(
    (a) => `${a.figure} ${n(a.service, 1)} against ${n(a.harness, 1)}${a.agrees ? "" : " (**disagrees**)"}`,
  );
  const agreed = report.agreement.every((a: { agrees: boolean }) => a.agrees);
  return [
    begin(mode),
    `The ${mode} day (${day}), ${when}, commit \`${report.commit}\`, ${machine}. ${kept}`,
    "",
    "| Figure | Legacy nightly sync (model) | inventory-sync (real service) | Gate | Aim |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `The service's own scorecard ${agreed ? "agreed with the harness on every figure" : "**disagreed** with the harness"} (service against harness: ${agreement.join("; ")}).`,
    "",
    `![The ${mode} day: freshness distribution and oversells by hour, legacy model and the service](../bench/results/evaluation-${mode}.svg)`,
    END,
  ].join("\n");
}

/** `text` with `mode`'s block replaced by the one for `report`. */
export function withEvaluation(text: string, report: any): string {
  const mode = report.mode as Mode;
  const block = new RegExp(`<!-- evaluation-figures:begin ${mode} [^\\n]*-->\\n[\\s\\S]*?${END}`);
  if (!block.test(text)) throw new Error(`no evaluation-figures block for the ${mode} day to replace`);
  return text.replace(block, () => evaluationBlock(report));
}

/** Rewrites, in the markdown file at `docPath`, the block of each standard day whose JSON is in `resultsDir`. */
export function writeEvaluationFigures(docPath: string, resultsDir: string): Mode[] {
  let text = readFileSync(docPath, "utf8");
  const written: Mode[] = [];
  for (const mode of MODES) {
    const path = `${resultsDir}/evaluation-${mode}.json`;
    if (!existsSync(path)) continue;
    text = withEvaluation(text, JSON.parse(readFileSync(path, "utf8")));
    written.push(mode);
  }
  writeFileSync(docPath, text);
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const written = writeEvaluationFigures("docs/evaluation.md", "bench/results");
  console.log(`evaluate:figures: docs/evaluation.md's blocks are bench/results/evaluation-{${written.join(",")}}.json's`);
}
