import { IngestionPath } from "../../../gen/invsync/events/v1/routing_pb.js";
import { FlagRole, type CohortTally, type PathCount } from "../../../gen/invsync/migration/v1/cohort_pb.js";
import { api, attempt } from "../api.js";
import { append, describe, h, replace, statusLine, table, when } from "../dom.js";

const PATH_NAMES: Record<number, string> = { [IngestionPath.LEGACY]: "legacy", [IngestionPath.SHADOW]: "shadow", [IngestionPath.NEW]: "new" };
const ROLE_NAMES: Record<number, string> = { [FlagRole.COHORT]: "cohort", [FlagRole.SHADOW]: "shadow", [FlagRole.KILL_SWITCH]: "kill switch" };

const skusOn = (paths: readonly PathCount[], path: IngestionPath) => paths.find((p) => p.path === path)?.skus ?? 0n;
const rate = (tally: CohortTally | undefined) => (tally ? `${(tally.mismatchRate * 100).toFixed(2)} % (${tally.mismatched} of ${tally.compared}${tally.inFlight ? `, ${tally.inFlight} in flight` : ""})` : "not compared yet");

/** Migration: cohorts with SKUs per path, shadow mismatch rates, links to the mismatches. */
export async function migrationPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const status = statusLine();
  const overview = h("section", { "aria-label": "Cohorts" });
  const mismatches = h("section", { id: "mismatches", "aria-label": "Mismatches" });
  append(main, status.element, overview, mismatches);
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
  if (cohort !== null) await showMismatches(mismatches, cohort);
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
