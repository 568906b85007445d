import { mkdirSync, writeFileSync } from "node:fs";
import { lowStockPolicy } from "../../src/low-stock/domain/low-stock-policy.js";
import { backtest, type BacktestResult } from "./backtest.js";
import { DEFAULT_DAY as HARNESS_DEFAULT_DAY, QUICK_DAY as HARNESS_QUICK_DAY, locationName, simulateDay } from "../evaluate/simulated-day.js";
import { harnessDayChanges } from "./harness-day.js";
import { DEFAULT_DAY, seededDay } from "./seeded-day.js";

/**
 * `npm run backtest:low-stock`: replays a simulated day's stock changes through the low-stock
 * estimator for the default settings and a grid around them, prints a table and writes
 * bench/results/low-stock-backtest.json. Options: `--seed N`, `--skus N`, `--out FILE`, and
 * `--day harness` (or `harness-quick`): the evaluation harness's simulated day (50k SKUs × 3
 * warehouses, 200k order lines; bench/low-stock/harness-day.ts) instead of the seeded one, written to
 * bench/results/low-stock-backtest-harness.json.
 */
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const dayKind = args.get("day") ?? "seeded";
if (!["seeded", "harness", "harness-quick"].includes(dayKind)) {
  console.error(`backtest: --day must be seeded, harness or harness-quick, got "${dayKind}"`);
  process.exit(2);
}
const harness = dayKind !== "seeded";
const harnessDay = dayKind === "harness-quick" ? HARNESS_QUICK_DAY : HARNESS_DEFAULT_DAY;
const day = harness
  ? { ...harnessDay, seed: Number(args.get("seed") ?? harnessDay.seed), skus: Number(args.get("skus") ?? harnessDay.skus) }
  : { ...DEFAULT_DAY, seed: Number(args.get("seed") ?? DEFAULT_DAY.seed), skus: Number(args.get("skus") ?? DEFAULT_DAY.skus) };
const locations = harness ? Array.from({ length: harnessDay.warehouses }, (_, w) => locationName(w)) : DEFAULT_DAY.locations;
const out = args.get("out") ?? (dayKind === "harness" ? "bench/results/low-stock-backtest-harness.json" : dayKind === "seeded" ? "bench/results/low-stock-backtest.json" : "test-results/low-stock-backtest-harness-quick.json");
const FALSE_AFTER_HORIZONS = 2;
const HARNESS_START = new Date("2026-12-07T00:00:00Z");
const SWEEP_MS = 60_000;
const DEFAULT = { horizonMinutes: 240, halfLifeMinutes: 60, clearFactor: 1.5 };

const started = performance.now();
const changes = harness ? harnessDayChanges(simulateDay(day as typeof harnessDay), HARNESS_START) : seededDay(day as typeof DEFAULT_DAY);
const generatedMs = performance.now() - started;
const grid: Array<{ horizonMinutes: number; halfLifeMinutes: number; clearFactor: number }> = [];
for (const horizonMinutes of [60, 120, 240]) for (const halfLifeMinutes of [30, 60, 120]) grid.push({ horizonMinutes, halfLifeMinutes, clearFactor: DEFAULT.clearFactor });
const rows: Array<{ settings: (typeof grid)[number]; result: BacktestResult; replayMs: number }> = [];
for (const settings of grid) {
  const policy = lowStockPolicy({ horizonMs: settings.horizonMinutes * 60_000, halfLifeMs: settings.halfLifeMinutes * 60_000, clearFactor: settings.clearFactor });
  const t = performance.now();
  const result = backtest(changes, { policy, sweepEveryMs: SWEEP_MS, falseAfterHorizons: FALSE_AFTER_HORIZONS });
  rows.push({ settings, result, replayMs: performance.now() - t });
}

const pct = (n: number, of: number) => (of === 0 ? "–" : `${((100 * n) / of).toFixed(0)} %`);
const header = ["horizon", "half-life", "stockouts (early)", "in time", "late", "missed", "alerts", "false", "unjudged", "median lead"];
const lines = rows.map(({ settings: s, result: r }) => [
  `${s.horizonMinutes} min${s.horizonMinutes === DEFAULT.horizonMinutes && s.halfLifeMinutes === DEFAULT.halfLifeMinutes ? " *" : ""}`,
  `${s.halfLifeMinutes} min`,
  `${r.stockouts} (${r.earlyStockouts})`,
  `${r.predictedInTime} (${pct(r.predictedInTime, r.stockouts)})`,
  String(r.late),
  String(r.missed),
  String(r.alertsRaised),
  `${r.falseAlerts} (${pct(r.falseAlerts, r.alertsRaised - r.unjudgedAlerts)})`,
  String(r.unjudgedAlerts),
  r.medianLeadMinutes === undefined ? "–" : `${r.medianLeadMinutes.toFixed(0)} min`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`low-stock backtest: ${harness ? "the evaluation harness's" : "seeded"} day (seed ${day.seed}, ${day.skus} SKUs × ${locations.length} locations), ${changes.length} stock changes, sweep every ${SWEEP_MS / 1000} s, false = no stockout within ${FALSE_AFTER_HORIZONS} × horizon, clear factor ${DEFAULT.clearFactor}; * = the defaults`);
console.log(format(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const line of lines) console.log(format(line));
mkdirSync(out.replace(/\/[^/]*$/, ""), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      day: harness
        ? { generator: "bench/evaluate/simulated-day.ts via bench/low-stock/harness-day.ts", settings: day, locations, start: HARNESS_START.toISOString(), changes: changes.length, generatedMs: Math.round(generatedMs) }
        : { generator: "bench/low-stock/seeded-day.ts", seed: day.seed, skus: day.skus, locations, start: (day as typeof DEFAULT_DAY).start.toISOString(), changes: changes.length, generatedMs: Math.round(generatedMs) },
      judging: { falseAfterHorizons: FALSE_AFTER_HORIZONS, sweepEverySeconds: SWEEP_MS / 1000, inTime: "an alert open at the stockout, raised at least one horizon before it" },
      defaults: DEFAULT,
      runs: rows.map(({ settings, result, replayMs }) => ({ ...settings, ...result, replayMs: Math.round(replayMs) })),
    },
    null,
    2,
  )}\n`,
);
console.log(`written to ${out}`);
