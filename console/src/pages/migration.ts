import { IngestionPath } from "../../../gen/invsync/events/v1/routing_pb.js";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { FlagRole, type CohortTally, type PathCount } from "../../../gen/invsync/migration/v1/cohort_pb.js";
import { GateName, GateStatus, ScorecardWindow, type PathScore } from "../../../gen/invsync/migration/v1/scorecard_pb.js";
import { api, attempt } from "../api.js";
import { append, describe, field, h, replace, showProblem, statusLine, table, when } from "../dom.js";

const PATH_NAMES: Record<number, string> = { [IngestionPath.LEGACY]: "legacy", [IngestionPath.SHADOW]: "shadow", [IngestionPath.NEW]: "new" };
const ROLE_NAMES: Record<number, string> = { [FlagRole.COHORT]: "cohort", [FlagRole.SHADOW]: "shadow", [FlagRole.KILL_SWITCH]: "kill switch" };

const skusOn = (paths: readonly PathCount[], path: IngestionPath) => paths.find((p) => p.path === path)?.skus ?? 0n;
const rate = (tally: CohortTally | undefined) => (tally ? `${(tally.mismatchRate * 100).toFixed(2)} % (${tally.mismatched} of ${tally.compared}${tally.inFlight ? `, ${tally.inFlight} in flight` : ""})` : "not compared yet");

/** Migration: cohorts with SKUs per path, shadow mismatch rates, links to the mismatches. */
export async function migrationPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const status = statusLine();
  const overview = h("section", { "aria-label": "Cohorts" });
  const mismatches = h("section", { id: "mismatches", "aria-label": "Mismatches" });
  const scorecard = h("section", { id: "scorecard", "aria-labelledby": "scorecard-title" });
  append(main, status.element, overview, scorecard, mismatches);
  status.busy("Loading the cohorts…");
  const read = await attempt(() => api.migration.getCohortStatus({}));
  if (read.problem) return status.error(describe(read.problem));
  const s = read.value;
  status.clear();
  const latest = s.latestComparison;
  replace(
    overview,
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Flags"),
      h("dd", {}, `${s.flags?.source ?? "—"}, ${s.flags?.ready ? "ready" : "not ready"}${s.flags?.synchronized ? ", synchronized" : ""}${s.flags?.lastError ? ` — ${s.flags.lastError}` : ""}`),
      h("dt", {}, "SKUs per path"),
      h("dd", {}, [IngestionPath.LEGACY, IngestionPath.SHADOW, IngestionPath.NEW].map((p) => `${PATH_NAMES[p]} ${skusOn(s.paths, p)}`).join(" · ")),
      h("dt", {}, "In no cohort (legacy by default)"),
      h("dd", {}, `${skusOn(s.undecided, IngestionPath.LEGACY)} SKUs`),
      h("dt", {}, "Latest shadow comparison"),
      h("dd", {}, latest ? `${latest.comparisonId}${latest.legacyRunId ? ` against legacy run ${latest.legacyRunId}` : ""}, finished ${when(latest.finishedAt)}` : "none yet"),
    ),
    table(
      "Cohorts",
      ["Flag", "Role", "Enabled", "Strategies", "legacy", "shadow", "new", "Shadow mismatch rate", ""],
      s.cohorts.map((c) => [
        c.name,
        ROLE_NAMES[c.role] ?? "—",
        c.known ? (c.enabled ? "yes" : "no") : "not defined",
        c.strategies.join(", ") || "—",
        skusOn(c.paths, IngestionPath.LEGACY),
        skusOn(c.paths, IngestionPath.SHADOW),
        skusOn(c.paths, IngestionPath.NEW),
        rate(c.latestComparison),
        c.latestComparison && c.latestComparison.mismatched > 0n ? h("a", { href: `#/migration?${new URLSearchParams({ mismatches: c.name })}`, "aria-label": `Mismatches of ${c.name}` }, "Mismatches") : "—",
      ]),
      "no routing flags are configured.",
    ),
  );
  const cohort = params.get("mismatches");
  await Promise.all([showScorecard(scorecard, params, s.cohorts.map((c) => c.name)), cohort !== null ? showMismatches(mismatches, cohort) : undefined]);
}

const WINDOWS: ReadonlyArray<readonly [string, ScorecardWindow, string]> = [
  ["24h", ScorecardWindow.LAST_24H, "Last 24 hours"],
  ["7d", ScorecardWindow.LAST_7D, "Last 7 days"],
  ["cutover", ScorecardWindow.SINCE_CUTOVER, "Since the cutover"],
];
const GATE_NAMES: Record<number, string> = { [GateName.FRESHNESS]: "Freshness", [GateName.OVERSELL]: "Oversell", [GateName.DISCREPANCY]: "Discrepancy" };
const GATE_STATUS: Record<number, readonly [string, string]> = {
  [GateStatus.PASS]: ["pass", "Pass"],
  [GateStatus.FAIL]: ["fail", "Fail"],
  [GateStatus.NO_BASELINE_YET]: ["pending", "No baseline yet"],
  [GateStatus.NO_DATA]: ["pending", "No data"],
};
const seconds = (d: Duration | undefined) => (d ? `${(Number(d.seconds) + d.nanos / 1e9).toFixed(1)} s` : "—");
const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;

function scoreRows(paths: readonly PathScore[]) {
  return paths.map((p) => [
    PATH_NAMES[p.path] ?? "—",
    p.skus,
    p.freshness ? `${seconds(p.freshness.median)} / ${seconds(p.freshness.p95)} / ${seconds(p.freshness.p99)} (${p.freshness.samples} samples, ${p.freshness.pending} pending)` : "—",
    p.oversell ? `${p.oversell.perThousand.toFixed(2)} ‰ (${p.oversell.foundShort} short of ${p.oversell.reservations}, ${p.oversell.refusedAtFulfilment} refused)` : "—",
    p.discrepancy ? `${percent(p.discrepancy.rate)} (${p.discrepancy.skusWithDiscrepancy} of ${p.discrepancy.skusCompared}, run ${p.discrepancy.reconciliationRunId || "—"})` : "—",
    p.shadowMismatch ? `${percent(p.shadowMismatch.rate)} (${p.shadowMismatch.mismatched} of ${p.shadowMismatch.compared})` : "—",
  ]);
}

/** The gate scorecard (`GetScorecard`): each gate's pass or fail with what it measured, then the figures per path. */
async function showScorecard(section: HTMLElement, params: URLSearchParams, cohorts: readonly string[]): Promise<void> {
  const windowSelect = h("select", {}, ...WINDOWS.map(([key, , label]) => h("option", { value: key, selected: (params.get("window") ?? "24h") === key }, label)));
  const cohortSelect = h("select", {}, h("option", { value: "" }, "Every cohort"), ...[...cohorts, "undecided"].map((name) => h("option", { value: name, selected: params.get("cohort") === name }, name)));
  const windowField = field("Window", windowSelect, "window");
  const cohortField = field("Cohort", cohortSelect, "cohort");
  const status = statusLine();
  const form = h("form", { class: "filters", "aria-label": "Scorecard window and cohort" }, windowField.row, cohortField.row, h("div", { class: "actions" }, h("button", { type: "submit" }, "Score"), status.element));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    next.set("window", windowSelect.value);
    if (cohortSelect.value) next.set("cohort", cohortSelect.value);
    else next.delete("cohort");
    location.hash = `#/migration?${next}`;
  });
  const body = h("div", {});
  replace(section, h("h2", { id: "scorecard-title" }, "Gate scorecard"), form, body);
  status.busy("Scoring…");
  const chosen = WINDOWS.find(([key]) => key === (params.get("window") ?? "24h"))?.[1] ?? ScorecardWindow.LAST_24H;
  const score = await attempt(() => api.migration.getScorecard({ window: chosen, cohort: params.get("cohort") ?? "" }));
  if (score.problem) return showProblem(score.problem, { window: windowField, cohort: cohortField }, status);
  const card = score.value;
  status.ok(`From ${when(card.from)} to ${when(card.to)}; latest legacy run ${card.latestLegacyRunId ? `${card.latestLegacyRunId} (${when(card.latestLegacyRunAt)})` : "none yet"}.`);
  replace(
    body,
    table(
      "Gates",
      ["Gate", "Result", "Observed", "Threshold", "What was compared"],
      card.gates.map((g) => {
        const [kind, label] = GATE_STATUS[g.status] ?? ["pending", "—"];
        return [GATE_NAMES[g.name] ?? "—", h("span", { class: `gate ${kind}` }, label), Number(g.observed.toPrecision(4)), g.threshold, g.detail];
      }),
      "the service reported no gates.",
    ),
    table("Per path over the window", ["Path", "SKUs", "Freshness median / p95 / p99", "Oversell", "Discrepancy", "Shadow mismatch"], scoreRows(card.paths)),
  );
}

async function showMismatches(section: HTMLElement, cohort: string): Promise<void> {
  const heading = h("h2", { tabindex: "-1" }, `Mismatches of ${cohort || "every cohort"}`);
  const tokens: string[] = [];
  let token = "";
  const load = async () => {
    const page = await attempt(() => api.migration.listMismatches({ cohort, pageSize: 50, pageToken: token }));
    if (page.problem) return replace(section, heading, h("p", { class: "status error", role: "alert" }, describe(page.problem)));
    const previous = h("button", { type: "button", class: "secondary", disabled: tokens.length === 0 }, "Previous page");
    const next = h("button", { type: "button", class: "secondary", disabled: page.value.nextPageToken === "" }, "Next page");
    previous.addEventListener("click", () => {
      token = tokens.pop() ?? "";
      void load();
    });
    next.addEventListener("click", () => {
      tokens.push(token);
      token = page.value.nextPageToken;
      void load();
    });
    replace(
      section,
      heading,
      table(
        `Shadow and legacy counts that disagree (comparison ${page.value.comparison?.comparisonId ?? "—"})`,
        ["SKU", "Location", "Shadow on_hand", "Legacy on_hand", "Shadow's update"],
        page.value.mismatches.map((m) => [
          h("a", { href: `#/stock?${new URLSearchParams({ sku: m.sku })}` }, m.sku),
          m.locationId,
          m.shadowOnHand,
          m.legacyOnHand ?? "no count",
          `${m.shadowWmsId} #${m.shadowSequence}`,
        ]),
        "none.",
      ),
      h("nav", { class: "pager", "aria-label": "Mismatch pages" }, previous, next),
    );
  };
  await load();
  heading.focus();
}
