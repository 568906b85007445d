import { mkdirSync, writeFileSync } from "node:fs";
import { observeChange, reassess, timeToStockoutMs, type DepletionEstimate } from "../../src/low-stock/domain/depletion-estimate.js";
import { lowStockPolicy } from "../../src/low-stock/domain/low-stock-policy.js";
import { backtest } from "./backtest.js";
import { DEFAULT_DAY, seededDay } from "./seeded-day.js";

/**
 * Draws docs/images/low-stock-estimate.svg: one record of the seeded day under the default settings
 * (available, the expected time to stockout against the horizon and the clear threshold, where the
 * alert was open, the stockouts). Run: `npx tsx bench/low-stock/plot-record.ts [SKU@LOCATION]`.
 */
const policy = lowStockPolicy({ horizonMs: 240 * 60_000, halfLifeMs: 60 * 60_000, clearFactor: 1.5 });
const changes = seededDay(DEFAULT_DAY);
const wanted = process.argv[2] ?? "SKU-0012@WH-3";
const [sku, locationId] = wanted.split("@") as [string, string];
const mine = changes.filter((c) => c.sku === sku && c.locationId === locationId);
const result = backtest(mine, { policy, sweepEveryMs: 60_000, falseAfterHorizons: 2 });

const HOUR = 3_600_000;
const t0 = DEFAULT_DAY.start.getTime();
const W = 760;
const H = 420;
const left = 56;
const right = 16;
const x = (ms: number) => left + ((ms - t0) / (24 * HOUR)) * (W - left - right);
const maxAvailable = Math.max(1, ...mine.map((c) => c.availableAfter));
const top = { y0: 30, y1: 180 };
const bottom = { y0: 230, y1: 380 };
const yAvail = (v: number) => top.y1 - (v / maxAvailable) * (top.y1 - top.y0);
const CAP_H = 12;
const yTts = (hours: number) => bottom.y1 - (Math.min(hours, CAP_H) / CAP_H) * (bottom.y1 - bottom.y0);

let estimate: DepletionEstimate | undefined;
let ids = 0;
const avail: string[] = [];
const tts: string[] = [];
const spans: Array<[number, number]> = [];
let openAt: number | undefined;
const stockouts: number[] = [];
const next = { next: () => `p${++ids}` };
let sweepAt = t0 + 60_000;
const note = (alert: { type: string } | undefined, at: number) => {
  if (alert?.type === "StockRunningLow") openAt = at;
  if (alert?.type === "StockRunningLowCleared" && openAt !== undefined) {
    spans.push([openAt, at]);
    openAt = undefined;
  }
};
for (const c of mine) {
  // The monitor's sweep, every minute, as the backtest replays it.
  for (; sweepAt <= c.at.getTime(); sweepAt += 60_000) {
    if (!estimate?.alert) continue;
    const check = reassess(estimate, new Date(sweepAt), policy, next);
    estimate = check.estimate;
    note(check.alert, sweepAt);
  }
  const step = observeChange(estimate, c, policy, next);
  estimate = step.estimate;
  const at = c.at.getTime();
  avail.push(`${x(at).toFixed(1)},${yAvail(c.availableBefore).toFixed(1)} ${x(at).toFixed(1)},${yAvail(c.availableAfter).toFixed(1)}`);
  tts.push(`${x(at).toFixed(1)},${yTts(timeToStockoutMs(estimate, c.at, policy) / HOUR).toFixed(1)}`);
  note(step.alert, at);
  if (c.availableBefore > 0 && c.availableAfter === 0) stockouts.push(at);
}
if (openAt !== undefined) spans.push([openAt, t0 + 24 * HOUR]);

const hours = Array.from({ length: 9 }, (_, i) => i * 3);
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="white"/>
${spans.map(([a, b]) => `<rect x="${x(a).toFixed(1)}" y="${top.y0}" width="${(x(b) - x(a)).toFixed(1)}" height="${bottom.y1 - top.y0}" fill="#fde2e2"/>`).join("\n")}
<text x="${left}" y="18" font-size="13" font-weight="bold">${sku} at ${locationId}, seeded day (horizon 4 h, half-life 1 h, clear factor 1.5): alert open in red</text>
<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${avail.join(" ")}"/>
<text x="8" y="${(top.y0 + top.y1) / 2}" transform="rotate(-90 14 ${(top.y0 + top.y1) / 2})">available</text>
<text x="${left - 4}" y="${top.y0 + 4}" text-anchor="end">${maxAvailable}</text><text x="${left - 4}" y="${top.y1}" text-anchor="end">0</text>
<line x1="${left}" x2="${W - right}" y1="${top.y1}" y2="${top.y1}" stroke="#888"/>
<line x1="${left}" x2="${W - right}" y1="${yTts(4)}" y2="${yTts(4)}" stroke="#cf222e" stroke-dasharray="4 3"/>
<text x="${W - right}" y="${yTts(4) - 3}" text-anchor="end" fill="#cf222e">horizon: raise below 4 h</text>
<line x1="${left}" x2="${W - right}" y1="${yTts(6)}" y2="${yTts(6)}" stroke="#1a7f37" stroke-dasharray="4 3"/>
<text x="${W - right}" y="${yTts(6) - 3}" text-anchor="end" fill="#1a7f37">clear above 6 h</text>
<polyline fill="none" stroke="#444" stroke-width="1.2" points="${tts.join(" ")}"/>
<text x="8" y="${(bottom.y0 + bottom.y1) / 2 + 40}" transform="rotate(-90 14 ${(bottom.y0 + bottom.y1) / 2 + 40})">time to stockout (h)</text>
<text x="${left - 4}" y="${bottom.y0 + 4}" text-anchor="end">≥${CAP_H}</text><text x="${left - 4}" y="${bottom.y1}" text-anchor="end">0</text>
<line x1="${left}" x2="${W - right}" y1="${bottom.y1}" y2="${bottom.y1}" stroke="#888"/>
${stockouts.map((at) => `<circle cx="${x(at).toFixed(1)}" cy="${top.y1}" r="4" fill="#cf222e"/>`).join("\n")}
${hours.map((h) => `<text x="${x(t0 + h * HOUR).toFixed(1)}" y="${bottom.y1 + 16}" text-anchor="middle">${String(h).padStart(2, "0")}:00</text>`).join("\n")}
<text x="${left}" y="${H - 8}">stockouts (red dots): ${result.stockouts + result.earlyStockouts}, in time ${result.predictedInTime}, late ${result.late}, missed ${result.missed}; alerts ${result.alertsRaised}, false ${result.falseAlerts}</text>
</svg>
`;
mkdirSync("docs/images", { recursive: true });
writeFileSync("docs/images/low-stock-estimate.svg", svg);
console.log(`docs/images/low-stock-estimate.svg: ${wanted}, ${mine.length} changes`, result);
