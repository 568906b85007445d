import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROFILE, SEED } from "./fault-profile.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Where the figures go: `test-results/faults.json` (full) or `test-results/faults-short.json`. */
export const FIGURES_FILE = join(ROOT, "test-results", PROFILE === "full" ? "faults.json" : "faults-short.json");

const run = { profile: PROFILE, seed: SEED, startedAt: new Date().toISOString(), scenarios: {} as Record<string, unknown> };

/** Figures of one scenario: printed as a table, and written (with every scenario so far) to {@link FIGURES_FILE}. */
export function recordFigures(scenario: string, figures: Record<string, unknown>): void {
  run.scenarios[scenario] = figures;
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  writeFileSync(FIGURES_FILE, `${JSON.stringify(run, null, 2)}\n`);
  const rows = Object.entries(flatten(figures));
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\n      ${scenario} (${PROFILE}, seed ${SEED})`);
  for (const [name, value] of rows) console.log(`        ${name.padEnd(width)}  ${value}`);
}

function flatten(value: Record<string, unknown>, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (inner && typeof inner === "object" && !Array.isArray(inner)) Object.assign(out, flatten(inner as Record<string, unknown>, name));
    else out[name] = Array.isArray(inner) ? (inner.length === 0 ? "none" : inner.join("; ")) : String(inner);
  }
  return out;
}
