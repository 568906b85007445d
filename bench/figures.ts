/**
 * The benchmark figures `docs/performance.md` shows, written from a full run's JSON
 * (`bench/results/latest-full.json`): `npm run bench` rewrites the block after a clean full run,
 * `npm run bench:figures` rewrites it from the file, and the docs test checks the two agree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fmt as n } from "./report.js";

/** One row of the figures table, and the target it is held to when there is one. */
export interface FigureRow {
  readonly figure: string;
  readonly value: string;
  readonly target?: string;
  readonly met?: boolean;
}


/** The targets of the same-work issue (issue 28) on this machine. */
export const TARGETS = { endToEndToFloor: 0.9, machineCpuToFloor: 1.15, pacedAckP99Ms: 250, pacedFreshnessP50Ms: 1000, rssMiB: (300 * 1e6) / 2 ** 20, naiveRatio: 10 };

/** The rows for a run's figures (`run`: the JSON `bench/run.ts` writes): the doc's table, and the head of the table the run prints. */
export function figureRows(run: any): FigureRow[] {
  const s = run.saturation;
  const p = run.paced;
  const f = run.floor;
  const ratio = run.serviceToFloor;
  const cpu = s.cpuMicrosPerUpdate;
  const threads = s.serviceCpuMicrosPerUpdate;
  /** Machine CPU per update: the process's, PostgreSQL's, NATS's and the load generator's, summed. */
  const machine = (parts: Record<string, number>) => Object.values(parts).reduce((sum, v) => sum + v, 0);
  return [
    { figure: "end-to-end updates/s at saturation: service / same-work floor", value: `${n(s.endToEndUpdatesPerSecond)} / ${n(f.endToEndUpdatesPerSecond)}` },
    { figure: "service ÷ floor, end to end", value: n(ratio.endToEnd, 2), target: `≥ ${TARGETS.endToEndToFloor}`, met: ratio.endToEnd >= TARGETS.endToEndToFloor },
    { figure: "committed updates/s at saturation: service / floor", value: `${n(s.committedUpdatesPerSecond)} / ${n(f.committedUpdatesPerSecond)} (${n(ratio.committed, 2)})` },
    { figure: "machine CPU µs per update: service / floor", value: `${n(machine(cpu), 1)} / ${n(machine(f.cpuMicrosPerUpdate), 1)} (${n(ratio.machineCpuPerUpdate, 2)})`, target: `≤ ${TARGETS.machineCpuToFloor} × floor`, met: ratio.machineCpuPerUpdate <= TARGETS.machineCpuToFloor },
    ...pairRows("WMS v2 contract", run.wmsV2),
    // The file-drop path (a run before it was measured has no such pair).
    ...(run.fileDrop ? pairRows("file drop", run.fileDrop, "file drop (v1 JSON Lines)") : []),
    { figure: "CPU µs per update: service / PostgreSQL / NATS / load", value: [cpu.service, cpu.postgres, cpu.nats, cpu.loadGenerator].map((v: number) => n(v, 1)).join(" / ") },
    { figure: "CPU µs per update, floor: floor / PostgreSQL / NATS / load", value: [f.cpuMicrosPerUpdate.floor, f.cpuMicrosPerUpdate.postgres, f.cpuMicrosPerUpdate.nats, f.cpuMicrosPerUpdate.loadGenerator].map((v: number) => n(v, 1)).join(" / ") },
    { figure: "bytes per update the process wrote (PostgreSQL, NATS, replies): service / floor", value: `${n(s.bytesPerUpdate.written)} / ${n(f.bytesPerUpdate.written)}` },
    { figure: "WAL bytes per update: service / floor", value: `${n(s.bytesPerUpdate.wal)} / ${n(f.bytesPerUpdate.wal)}` },
    { figure: "end-to-end updates/s per phase: service; floor", value: `${s.phases.map((x: { endToEndUpdatesPerSecond: number }) => n(x.endToEndUpdatesPerSecond)).join(", ")}; ${f.phases.map((x: { endToEndUpdatesPerSecond: number }) => n(x.endToEndUpdatesPerSecond)).join(", ")}` },
    { figure: "request → commit p50 / p99 at saturation", value: `${n(s.latencyMs.p50)} / ${n(s.latencyMs.p99)} ms` },
    { figure: "commit → JetStream ack p50 / p99 at saturation", value: `${n(s.commitToAckMs.p50)} / ${n(s.commitToAckMs.p99)} ms` },
    { figure: `commit → JetStream ack p99 at ${n(run.settings.pacedRate)} updates/s`, value: `${n(p.commitToAckMs.p99)} ms`, target: `≤ ${TARGETS.pacedAckP99Ms} ms`, met: p.commitToAckMs.p99 <= TARGETS.pacedAckP99Ms },
    { figure: `freshness median (WMS \`observed_at\` → ack) at ${n(run.settings.pacedRate)} updates/s`, value: `${n(p.freshnessMs.p50)} ms`, target: `≤ ${n(TARGETS.pacedFreshnessP50Ms)} ms`, met: p.freshnessMs.p50 <= TARGETS.pacedFreshnessP50Ms },
    { figure: "freshness median / p99 at saturation", value: `${n(s.freshnessMs.p50)} / ${n(s.freshnessMs.p99)} ms` },
    { figure: "service peak RSS", value: `${n(run.service.peakRssMiB)} MiB`, target: "≤ 300 MB (286 MiB)", met: run.service.peakRssMiB <= TARGETS.rssMiB },
    { figure: "service µs per update: event loop / other threads; GC pauses minor / major", value: `${n(threads.mainThread, 1)} / ${n(threads.otherThreads, 1)}; ${n(threads.gcPauseMinor, 1)} / ${n(threads.gcPauseMajor, 1)}` },
    { figure: "machine CPU busy / idle / steal at saturation", value: `${n(s.machineCpuShare.busy, 1)} / ${n(s.machineCpuShare.idle, 1)} / ${n(s.machineCpuShare.steal, 1)} %` },
    { figure: `end-to-end ÷ bare publish (${n(run.limits.barePublishMessagesPerSecond)} msg/s)`, value: n(run.limits.endToEndToBarePublish, 2) },
    { figure: "÷ naive peer (one statement and one awaited publish per update)", value: `${n(run.naivePeer.serviceRatio, 1)}×`, target: `≥ ${TARGETS.naiveRatio}×`, met: run.naivePeer.serviceRatio >= TARGETS.naiveRatio },
  ];
}

/** The two rows of a further pair against the floor (`pair`: the run's `wmsV2` or `fileDrop`), named `label` (`rateLabel` on the first row). */
function pairRows(label: string, pair: any, rateLabel = label): FigureRow[] {
  return [
    { figure: `${rateLabel}, end-to-end updates/s: service / floor`, value: `${n(pair.endToEndUpdatesPerSecond)} / ${n(pair.floor.endToEndUpdatesPerSecond)} (${n(pair.toFloor.endToEnd, 2)})`, target: `≥ ${TARGETS.endToEndToFloor}`, met: pair.toFloor.endToEnd >= TARGETS.endToEndToFloor },
    { figure: `${label}, machine CPU µs per update: service / floor`, value: `${n(pair.machineCpuMicrosPerUpdate, 1)} / ${n(pair.floor.machineCpuMicrosPerUpdate, 1)} (${n(pair.toFloor.machineCpuPerUpdate, 2)})`, target: `≤ ${TARGETS.machineCpuToFloor} × floor`, met: pair.toFloor.machineCpuPerUpdate <= TARGETS.machineCpuToFloor },
  ];
}

const BEGIN = "<!-- bench-figures:begin (written from bench/results/latest-full.json by npm run bench:figures) -->";
const END = "<!-- bench-figures:end -->";

/** The block for `run`: the run's date, commit and machine, then the table. */
export function figuresBlock(run: any): string {
  const when = `${String(run.date).slice(0, 16).replace("T", " ")} UTC`;
  const machine = `${run.machine.cpus} cores, ${run.machine.memoryGiB} GiB, Node.js ${String(run.machine.node).replace(/^v/, "")}, PostgreSQL, NATS and the load on the same machine`;
  const target = (row: FigureRow) => (row.target === undefined ? "" : `${row.target}: ${row.met ? "met" : "**missed**"}`);
  const rows = figureRows(run).map((row) => `| ${row.figure} | ${row.value} | ${target(row)} |`);
  return [BEGIN, `The latest full run: ${when}, commit \`${run.commit}\`, ${machine} ([\`bench/results/latest-full.json\`](../bench/results/latest-full.json)).`, "", "| Figure | Value | Target |", "|---|---|---|", ...rows, END].join("\n");
}

/** `text` with its figures block replaced by the one for `run`. */
export function withFigures(text: string, run: any): string {
  const block = /<!-- bench-figures:begin[^\n]*-->\n[\s\S]*?<!-- bench-figures:end -->/;
  if (!block.test(text)) throw new Error("no bench-figures block to replace");
  return text.replace(block, () => figuresBlock(run));
}

/** Rewrites the figures block of the markdown file at `docPath` from the run JSON at `runPath`. */
export function writeFigures(docPath: string, runPath: string): void {
  writeFileSync(docPath, withFigures(readFileSync(docPath, "utf8"), JSON.parse(readFileSync(runPath, "utf8"))));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFigures("docs/performance.md", "bench/results/latest-full.json");
  console.log("bench:figures: docs/performance.md's figures are bench/results/latest-full.json's");
}
