/** One world's series for the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** Freshness lag per update, ms (of the day's time). */
  readonly freshnessMs: readonly number[];
  /** Oversold order lines per hour of the day. */
  readonly oversoldByHour: readonly number[];
}

const W = 960;
const H = 400;
const PANEL = { top: 48, bottom: 330, left1: 60, right1: 450, left2: 540, right2: 930 };

/**
 * A self-contained SVG: left, the share of WMS updates in effect within a given lag (cumulative, log
 * time axis from 10 ms to 2 days, the 2-minute gate marked); right, oversold order lines per hour of
 * the day, both worlds side by side.
 */
export function renderChart(title: string, series: readonly ChartSeries[]): string {
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, attrs = "") => parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escape(s)}</text>`);
  const line = (x1: number, y1: number, x2: number, y2: number, attrs: string) =>
    parts.push(`<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`);

  text(W / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="bold"');

  // Left: cumulative freshness, log x.
  const minLog = 1; // 10 ms
  const maxLog = Math.log10(2 * 24 * 3_600_000);
  const x1 = (ms: number) => PANEL.left1 + ((Math.log10(Math.max(ms, 10)) - minLog) / (maxLog - minLog)) * (PANEL.right1 - PANEL.left1);
  const y = (share: number) => PANEL.bottom - share * (PANEL.bottom - PANEL.top);
  text((PANEL.left1 + PANEL.right1) / 2, 40, "WMS updates in effect within a lag (cumulative)", 'text-anchor="middle" font-size="12"');
  for (const [ms, label] of [[10, "10 ms"], [100, "100 ms"], [1000, "1 s"], [10_000, "10 s"], [60_000, "1 min"], [600_000, "10 min"], [3_600_000, "1 h"], [86_400_000, "1 d"]] as const) {
    line(x1(ms), PANEL.top, x1(ms), PANEL.bottom, 'stroke="#e5e5e5"');
    text(x1(ms), PANEL.bottom + 16, label, 'text-anchor="middle" font-size="10"');
  }
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    line(PANEL.left1, y(share), PANEL.right1, y(share), 'stroke="#e5e5e5"');
    text(PANEL.left1 - 6, y(share) + 4, `${share * 100}%`, 'text-anchor="end" font-size="10"');
  }
  line(x1(120_000), PANEL.top, x1(120_000), PANEL.bottom, 'stroke="#c00" stroke-dasharray="4 3"');
  text(x1(120_000) + 4, PANEL.top + 12, "gate: median < 2 min", 'font-size="10" fill="#c00"');
  text((PANEL.left1 + PANEL.right1) / 2, PANEL.bottom + 34, "lag: WMS observed → in effect (JetStream ack / legacy run)", 'text-anchor="middle" font-size="11"');
  for (const s of series) {
    const sorted = Float64Array.from(s.freshnessMs).sort();
    if (sorted.length === 0) continue;
    const points: string[] = [];
    const steps = 200;
    for (let i = 0; i <= steps; i++) {
      const ms = 10 ** (minLog + ((maxLog - minLog) * i) / steps);
      points.push(`${x1(ms).toFixed(1)},${y(upperBound(sorted, ms) / sorted.length).toFixed(1)}`);
    }
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(" ")}"/>`);
  }

  // Right: oversold lines per hour, grouped bars.
  const most = Math.max(1, ...series.flatMap((s) => s.oversoldByHour));
  const slot = (PANEL.right2 - PANEL.left2) / 24;
  const bar = (slot * 0.8) / Math.max(1, series.length);
  const y2 = (n: number) => PANEL.bottom - (n / most) * (PANEL.bottom - PANEL.top);
  text((PANEL.left2 + PANEL.right2) / 2, 40, "oversold order lines, by the hour they were reserved", 'text-anchor="middle" font-size="12"');
  for (const tick of niceTicks(most)) {
    line(PANEL.left2, y2(tick), PANEL.right2, y2(tick), 'stroke="#e5e5e5"');
    text(PANEL.left2 - 6, y2(tick) + 4, String(tick), 'text-anchor="end" font-size="10"');
  }
  for (let h = 0; h < 24; h += 3) text(PANEL.left2 + slot * h + slot / 2, PANEL.bottom + 16, `${String(h).padStart(2, "0")}:00`, 'text-anchor="middle" font-size="10"');
  series.forEach((s, k) => {
    s.oversoldByHour.forEach((n, h) => {
      if (n === 0) return;
      const x = PANEL.left2 + slot * h + slot * 0.1 + bar * k;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y2(n).toFixed(1)}" width="${bar.toFixed(1)}" height="${(PANEL.bottom - y2(n)).toFixed(1)}" fill="${s.color}"/>`);
    });
  });
  text((PANEL.left2 + PANEL.right2) / 2, PANEL.bottom + 34, "hour of the simulated day", 'text-anchor="middle" font-size="11"');

  series.forEach((s, k) => {
    const x = PANEL.left1 + k * 300;
    parts.push(`<rect x="${x}" y="${H - 22}" width="14" height="10" fill="${s.color}"/>`);
    text(x + 20, H - 13, s.label, 'font-size="12"');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${parts.join("\n")}
</svg>
`;
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function niceTicks(most: number): number[] {
  const step = 10 ** Math.floor(Math.log10(most)) * (most / 10 ** Math.floor(Math.log10(most)) > 5 ? 2 : 1);
  const ticks: number[] = [];
  for (let t = 0; t <= most; t += step) ticks.push(t);
  return ticks;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
