import { round } from "./stats.js";

/** One line of the printed table: a figure, and the target it is held to when there is one. */
export interface ReportRow {
  readonly name: string;
  readonly value: string;
  readonly target?: string;
  readonly met?: boolean;
}

/** Prints `rows` as an aligned table. */
export function printTable(title: string, rows: readonly ReportRow[]): void {
  const widths = [
    Math.max(...rows.map((r) => r.name.length), 6),
    Math.max(...rows.map((r) => r.value.length), 5),
    Math.max(...rows.map((r) => (r.target ?? "").length), 6),
  ];
  const line = (a: string, b: string, c: string, d: string) =>
    `  ${a.padEnd(widths[0]!)}  ${b.padStart(widths[1]!)}  ${c.padEnd(widths[2]!)}  ${d}`;
  console.log(`\n${title}\n`);
  console.log(line("figure", "value", "target", ""));
  console.log(line("-".repeat(widths[0]!), "-".repeat(widths[1]!), "-".repeat(widths[2]!), "----"));
  for (const row of rows) console.log(line(row.name, row.value, row.target ?? "", row.met === undefined ? "" : row.met ? "met" : "MISSED"));
  console.log("");
}

/** A number for the table: thousands separated, `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? round(value, digits).toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a";
}
