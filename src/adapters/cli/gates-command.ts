import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { IngestionPath } from "../../../gen/invsync/events/v1/routing_pb.js";
import { MigrationService } from "../../../gen/invsync/migration/v1/migration_service_pb.js";
import {
  GateName,
  GateStatus,
  GetScorecardResponseSchema,
  ScorecardWindow,
  type GetScorecardResponse,
  type PathScore,
} from "../../../gen/invsync/migration/v1/scorecard_pb.js";
import type { OperatorDefaults } from "./operations-cli.js";
import { operatorTransport } from "./operator-transport.js";

/** Usage of `invsync gates`. */
export const GATES_USAGE = `usage: invsync gates [--window 24h|7d|since-cutover] [--from <ISO time> [--to <ISO time>]] [--cohort <flag>]
                     [--json] [--url <gateway url>] [--token <bearer token>]

  The migration scorecard from the running service (MigrationService/GetScorecard): per path and
  cohort, freshness lag (median, p95, p99), oversell rate, discrepancy and shadow mismatch rates,
  and the three gates (freshness median < 2 min, oversell ≥ 30 % below legacy, discrepancies
  < 0.5 % of SKUs). Window: the last 24 h unless --window or --from/--to. --cohort limits the new
  and shadow figures and the gates to one routing flag (or "undecided").
  Exit code: 0 when every gate passes; 1 when one does not (fail, no baseline yet, no data) or the
  service cannot be asked; 2 on bad options.`;

const WINDOWS: Record<string, ScorecardWindow> = {
  "24h": ScorecardWindow.LAST_24H,
  "7d": ScorecardWindow.LAST_7D,
  "since-cutover": ScorecardWindow.SINCE_CUTOVER,
};
const VALUED = ["--window", "--from", "--to", "--cohort", "--url", "--token"];

/** Where `invsync gates` writes. */
export interface GatesOutput {
  out(line: string): void;
  err(line: string): void;
}

/** `invsync gates`: prints the scorecard and returns 0 (every gate passes), 1 (one does not) or 2 (bad options). */
export async function gatesCommand(options: readonly string[], defaults: OperatorDefaults, io: GatesOutput): Promise<number> {
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    if (option === "--json") json = true;
    else if (VALUED.includes(option) && options[i + 1] !== undefined && !options[i + 1]!.startsWith("--")) values.set(option, options[++i]!);
    else return usage(io, VALUED.includes(option) ? `${option} needs a value` : `unknown option "${option}"`);
  }
  const windowName = values.get("--window");
  if (windowName !== undefined && WINDOWS[windowName] === undefined) return usage(io, `--window must be 24h, 7d or since-cutover, got "${windowName}"`);
  const times: Record<string, Date> = {};
  for (const flag of ["--from", "--to"]) {
    const text = values.get(flag);
    if (text === undefined) continue;
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) return usage(io, `${flag} must be an ISO 8601 time, got "${text}"`);
    times[flag] = at;
  }
  if (windowName !== undefined && (times["--from"] || times["--to"])) return usage(io, "--window cannot be combined with --from/--to");
  if (times["--to"] && !times["--from"]) return usage(io, "--to needs --from");

  const url = values.get("--url") ?? defaults.serviceUrl;
  const client = createClient(MigrationService, operatorTransport(url, values.get("--token") ?? defaults.token));
  let card: GetScorecardResponse;
  try {
    card = await client.getScorecard({
      window: windowName === undefined ? ScorecardWindow.UNSPECIFIED : WINDOWS[windowName]!,
      from: times["--from"] ? timestampFromDate(times["--from"]) : undefined,
      to: times["--to"] ? timestampFromDate(times["--to"]) : undefined,
      cohort: values.get("--cohort") ?? "",
    });
  } catch (error) {
    const e = ConnectError.from(error);
    if (e.code === Code.InvalidArgument) return usage(io, e.rawMessage);
    io.err(`cannot read the scorecard from ${url}: ${e.message}`);
    return 1;
  }
  io.out(json ? toJsonString(GetScorecardResponseSchema, card, { prettySpaces: 2 }) : formatScorecard(card));
  return card.gates.length === 3 && card.gates.every((g) => g.status === GateStatus.PASS) ? 0 : 1;
}

function usage(io: GatesOutput, problem: string): number {
  io.err(`invsync gates: ${problem}\n\n${GATES_USAGE}`);
  return 2;
}

const PATH_NAMES: Record<number, string> = { [IngestionPath.LEGACY]: "legacy", [IngestionPath.SHADOW]: "shadow", [IngestionPath.NEW]: "new" };
const GATE_LABELS: Record<number, string> = { [GateName.FRESHNESS]: "freshness", [GateName.OVERSELL]: "oversell", [GateName.DISCREPANCY]: "discrepancy" };
const STATUS_LABELS: Record<number, string> = {
  [GateStatus.PASS]: "PASS",
  [GateStatus.FAIL]: "FAIL",
  [GateStatus.NO_BASELINE_YET]: "NO BASELINE YET",
  [GateStatus.NO_DATA]: "NO DATA",
};
const WIDTHS = [8, 24, 7, 9, 9, 9, 8, 24, 22];

/** The scorecard as tables for people. */
export function formatScorecard(card: GetScorecardResponse): string {
  const at = (t: typeof card.from) => (t ? timestampDate(t).toISOString() : "?");
  const lines = [
    `scorecard ${at(card.from)} – ${at(card.to)}; legacy run: ${card.latestLegacyRunId ? `${card.latestLegacyRunId} (finished ${at(card.latestLegacyRunAt)})` : "none yet"}`,
    "",
    row(["path", "cohort", "SKUs", "lag p50", "p95", "p99", "pending", "oversell ‰ (short/lines)", "discrepancy / mismatch"]),
    ...card.paths.map((p) => pathRow(p, p.path === IngestionPath.LEGACY ? "(all: baseline)" : "(selected)")),
    ...card.cohorts.flatMap((c) => c.paths.map((p) => pathRow(p, c.cohort))),
    "",
    "gates:",
    ...card.gates.map((g) => `  ${(GATE_LABELS[g.name] ?? "?").padEnd(12)} ${(STATUS_LABELS[g.status] ?? "?").padEnd(16)} ${g.detail}`),
  ];
  return lines.join("\n");
}

function pathRow(p: PathScore, cohort: string): string {
  const f = p.freshness;
  const o = p.oversell;
  const d = p.discrepancy;
  const s = p.shadowMismatch;
  const rates =
    p.path === IngestionPath.NEW
      ? d && d.reconciliationRunId
        ? `${(d.rate * 100).toFixed(3)}% (${d.skusWithDiscrepancy}/${d.skusCompared}, run ${d.reconciliationRunId})`
        : "no reconciliation run"
      : p.path === IngestionPath.SHADOW
        ? s && s.comparisonId
          ? `mismatch ${(s.rate * 100).toFixed(2)}% (${s.mismatched}/${s.compared})`
          : "no comparison"
        : "-";
  return row([
    PATH_NAMES[p.path] ?? "?",
    cohort,
    String(p.skus),
    duration(f?.median),
    duration(f?.p95),
    duration(f?.p99),
    String(f?.pending ?? 0n),
    o ? `${o.perThousand.toFixed(3)} (${o.foundShort}/${o.reservations})` : "-",
    rates,
  ]);
}

function duration(d: Duration | undefined): string {
  if (!d) return "-";
  const ms = Number(d.seconds) * 1000 + d.nanos / 1e6;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => (i < WIDTHS.length - 1 ? cell.padEnd(WIDTHS[i]!) : cell)).join(" ").trimEnd();
}
