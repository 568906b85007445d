/**
 * The figures `docs/evaluation.md` shows for the quick and the default day, written from their
 * JSON (`bench/results/evaluation-<mode>.json`): `npm run evaluate` rewrites its day's block after
 * a standard run, `npm run evaluate:figures` rewrites every block from the files, and the docs test
 * checks they agree.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fmt as n } from "../report.js";
import type { EvaluationResult } from "./evaluation.js";

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

/** The standard days with a block in the doc. */
export const MODES = ["default", "quick"] as const;
export type Mode = (typeof MODES)[number];

const begin = (mode: Mode) => `<!-- evaluation-figures:begin ${mode} (written from bench/results/evaluation-${mode}.json by npm run evaluate) -->`;
const END = "<!-- evaluation-figures:end -->";

/** One world's oversells as a cell: the rate, then what it is made of. */
function oversells(o: { perThousand: number; oversold: number; reservations: number; refusedAtPick: number; foundShortByCount: number }): string {
  return `${n(o.perThousand, 2)} (${n(o.oversold)} of ${n(o.reservations)}; refused at the pick ${n(o.refusedAtPick)}, found short by a count ${n(o.foundShortByCount)}, a line counted once)`;
}

/** A gate's or an aim's judgement in a row: what it asks, and whether it holds. */
export interface Judgement {
  readonly text: string;
  readonly holds: boolean;
}

/** One row of the side-by-side table: both worlds' figure, and the gate and aim it is judged by, if any. */
export interface EvaluationRow {
  readonly figure: string;
  readonly legacy: string;
  readonly service: string;
  readonly gate?: Judgement;
  readonly aim?: Judgement;
}

/** The side-by-side rows of a day's figures: the table `npm run evaluate` prints and the doc's block. */
export function evaluationRows(r: Pick<EvaluationResult, "legacy" | "service" | "gates">): EvaluationRow[] {
  const { legacy, service } = r;
  const gate = (name: string) => r.gates.find((g) => g.name === name)!;
  const judged = (name: string, detail = "") => {
    const g = gate(name);
    return { gate: { text: `${g.gate}${detail}`, holds: g.pass }, aim: { text: g.aim, holds: g.aimMet } };
  };
  const snapshot = (d: { share: number; skusWithDiscrepancy: number; skusCompared: number }) => `${percent(d.share)} (${n(d.skusWithDiscrepancy)} of ${n(d.skusCompared)})`;
  return [
    { figure: "freshness median, day time", legacy: duration(legacy.freshness.medianMs), service: `${duration(service.freshness.medianMs)} (real: ${duration(service.realFreshness.medianMs)})`, ...judged("freshness") },
    { figure: "freshness p99, day time", legacy: duration(legacy.freshness.p99Ms), service: `${duration(service.freshness.p99Ms)} (real: ${duration(service.realFreshness.p99Ms)})` },
    { figure: "oversold lines per 1,000 reserved", legacy: oversells(legacy.oversell), service: oversells(service.oversell), ...judged("oversell", ` (${percent(gate("oversell").service, 1)} fewer)`) },
    { figure: "lines refused at reservation (lost sales)", legacy: n(legacy.refusedAtReservation), service: n(service.refusedAtReservation) },
    { figure: "SKUs differing from the WMS's snapshot", legacy: snapshot(legacy.discrepancy), service: snapshot(service.discrepancy), ...judged("discrepancy") },
    { figure: "SKUs differing from the physical floor", legacy: percent(legacy.discrepancy.offFloorShare), service: percent(service.discrepancy.offFloorShare) },
    { figure: "SKUs the WMS's own book has wrong", legacy: n(legacy.discrepancy.wmsBookOffFloor), service: n(service.discrepancy.wmsBookOffFloor) },
  ];
}

/** The markdown block for one standard day's report (`report`: the JSON `bench/evaluate/run.ts` writes). */
export function evaluationBlock(report: any): string {
  const mode = report.mode as Mode;
  const { settings: s, service } = report;
  const when = `${String(report.date).slice(0, 16).replace("T", " ")} UTC`;
  const day = `${n(s.skus)} SKUs × ${s.warehouses} warehouses, ${n(s.orderLines)} order lines, seed ${s.seed}; ${n(report.daySeconds)} s real, ${n(report.compression)}× compressed`;
  const machine = `${report.machine.cpus} vCPU ${report.machine.model}, ${report.machine.memoryGiB} GiB, PostgreSQL and NATS on the same machine`;
  const pace = `at worst ${n(service.maxBehindSeconds, 1)} s behind the schedule, 99 % of the order-line calls within ${n(service.callsBehindP99Seconds, 1)} s`;
  const kept = report.keptUp
    ? `It kept up: ${pace}.`
    : `It did **not** keep up: ${pace}, so 1 % of the calls went out more than ${n((service.callsBehindP99Seconds * report.compression) / 60)} minutes of the day late and the figures are of a distorted day.`;
  const gate = (j?: Judgement) => (j ? `${j.text}: ${j.holds ? "**pass**" : "**FAIL**"}` : "");
  const aim = (j?: Judgement) => (j ? `${j.text}: ${j.holds ? "met" : "**missed**"}` : "");
  const rows = evaluationRows(report).map((row) => `| ${[row.figure, row.legacy, row.service, gate(row.gate), aim(row.aim)].join(" | ")} |`);
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
function withEvaluation(text: string, report: any): string {
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
