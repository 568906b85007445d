import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ConnectError, createClient } from "@connectrpc/connect";
import { IngestionPath } from "../../../gen/invsync/events/v1/routing_pb.js";
import { FlagRole, type CohortTally, type PathCount } from "../../../gen/invsync/migration/v1/cohort_pb.js";
import { GetCohortStatusResponseSchema, MigrationService, type GetCohortStatusResponse } from "../../../gen/invsync/migration/v1/migration_service_pb.js";
import type { OperatorDefaults } from "./operations-cli.js";
import { operatorTransport } from "./operator-transport.js";

/** Usage of `invsync cohort`. */
export const COHORT_USAGE = `usage: invsync cohort status [--json] [--url <gateway url>] [--token <bearer token>]

  Per routing flag: how many SKUs sit on each path (legacy, shadow, new) and the latest shadow
  mismatch rate, from the running service's MigrationService (Connect). The gateway URL defaults
  to INVSYNC_URL, else http://127.0.0.1:8080; the token (viewer or operator) to INVSYNC_TOKEN.`;

/** `invsync cohort status`: prints the running service's cohort status; returns the exit code. */
export async function cohortCommand(args: readonly string[], defaults: OperatorDefaults): Promise<number> {
  const [subcommand, ...options] = args;
  const valueOf = (flag: string) => (options.includes(flag) ? options[options.indexOf(flag) + 1] : undefined);
  const url = valueOf("--url") ?? defaults.serviceUrl;
  const token = valueOf("--token") ?? defaults.token;
  const valued = new Set(["--url", "--token"].filter((flag) => options.includes(flag)).map((flag) => options.indexOf(flag)));
  const unknown = options.some((o, i) => o.startsWith("--") && o !== "--json" && !valued.has(i));
  if (subcommand !== "status" || unknown || [...valued].some((i) => options[i + 1] === undefined)) {
    console.error(COHORT_USAGE);
    return 2;
  }
  const client = createClient(MigrationService, operatorTransport(url, token));
  let status: GetCohortStatusResponse;
  try {
    status = await client.getCohortStatus({});
  } catch (error) {
    console.error(`cannot read the cohort status from ${url}: ${ConnectError.from(error).message}`);
    return 1;
  }
  console.log(options.includes("--json") ? toJsonString(GetCohortStatusResponseSchema, status, { prettySpaces: 2 }) : formatStatus(status));
  return 0;
}

const ROLE_NAMES: Record<FlagRole, string> = {
  [FlagRole.UNSPECIFIED]: "?",
  [FlagRole.COHORT]: "cohort (new)",
  [FlagRole.SHADOW]: "shadow",
  [FlagRole.KILL_SWITCH]: "kill switch",
};

/** The status as a table for people. */
export function formatStatus(status: GetCohortStatusResponse): string {
  const flags = status.flags;
  const lines = [
    `flags: ${flags?.source ?? "?"} (${flags?.ready ? "ready" : "NOT READY: every SKU routes to legacy"}${flags?.synchronized ? "" : ", not synchronized"}${flags?.lastError ? `, last error: ${flags.lastError}` : ""})`,
    `SKUs per path: ${describePaths(status.paths)}`,
    "",
    row(["flag", "role", "on", "legacy", "shadow", "new", "mismatch rate", "strategies"]),
  ];
  for (const cohort of status.cohorts) {
    lines.push(
      row([
        cohort.name,
        ROLE_NAMES[cohort.role],
        cohort.known ? (cohort.enabled ? "yes" : "no") : "unknown",
        ...counts(cohort.paths),
        cohort.latestComparison ? rate(cohort.latestComparison) : "-",
        cohort.strategies.join(" | "),
      ]),
    );
  }
  lines.push(row(["(no flag decided)", "", "", ...counts(status.undecided), "", ""]));
  const latest = status.latestComparison;
  lines.push(
    "",
    latest
      ? `latest comparison: #${latest.comparisonId} (${latest.trigger === 1 ? `after legacy run ${latest.legacyRunId}` : "on demand"}) finished ${latest.finishedAt ? timestampDate(latest.finishedAt).toISOString() : "?"}`
      : "latest comparison: none yet",
  );
  return lines.join("\n");
}

const WIDTHS = [32, 13, 8, 8, 8, 8, 22];

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => (i < WIDTHS.length ? cell.padEnd(WIDTHS[i]!) : cell)).join(" ").trimEnd();
}

function counts(paths: readonly PathCount[]): string[] {
  return [IngestionPath.LEGACY, IngestionPath.SHADOW, IngestionPath.NEW].map((p) => String(paths.find((c) => c.path === p)?.skus ?? 0n));
}

function describePaths(paths: readonly PathCount[]): string {
  const [legacy, shadow, fresh] = counts(paths);
  return `legacy ${legacy}, shadow ${shadow}, new ${fresh}`;
}

function rate(tally: CohortTally): string {
  return `${(tally.mismatchRate * 100).toFixed(2)}% (${tally.mismatched}/${tally.compared})`;
}
