import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Discrepancy } from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import { DiscrepancyKind, DiscrepancyStatus, OverrideReason } from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import { DiscrepancyResolution } from "../../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { api, attempt } from "../api.js";
import { age, append, describe, field, h, replace, showProblem, statusLine, table, when } from "../dom.js";
import { eventRows, updateRows, EVENT_HEADINGS, UPDATE_HEADINGS } from "./stock.js";

const AGES: ReadonlyArray<readonly [string, string, number]> = [
  ["", "Any age", 0],
  ["1h", "Older than 1 hour", 3_600_000],
  ["1d", "Older than 1 day", 86_400_000],
  ["7d", "Older than 7 days", 7 * 86_400_000],
];

const REASONS: ReadonlyArray<readonly [OverrideReason, string]> = [
  [OverrideReason.PHYSICAL_COUNT, "Physical count"],
  [OverrideReason.WMS_ERROR, "WMS error"],
  [OverrideReason.DAMAGE, "Damage"],
  [OverrideReason.LOSS, "Loss"],
  [OverrideReason.FOUND, "Found"],
  [OverrideReason.RECEIVING_ERROR, "Receiving error"],
  [OverrideReason.WMS_COUNT_ACCEPTED, "WMS count accepted"],
];

const KINDS: Record<number, string> = { [DiscrepancyKind.COUNT_MISMATCH]: "count mismatch", [DiscrepancyKind.SHORTFALL]: "shortfall" };

/** Disputes: open discrepancies, filtered; the evidence of one and the override form. */
export async function disputesPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const sku = field("SKU", h("input", { type: "search", value: params.get("sku") ?? "", spellcheck: "false" }), "sku");
  const warehouse = field("Warehouse (location)", h("input", { type: "search", value: params.get("location") ?? "", spellcheck: "false" }), "location_id");
  const ageSelect = h("select", {}, ...AGES.map(([value, label]) => h("option", { value, selected: params.get("age") === value }, label)));
  const ageField = field("Age", ageSelect, "age");
  const size = field("Size at least (units)", h("input", { type: "number", min: 0, step: 1, value: params.get("size") ?? "", inputmode: "numeric" }), "size");
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter disputes" },
    sku.row,
    warehouse.row,
    ageField.row,
    size.row,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Filter")),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (sku.control.value.trim()) next.set("sku", sku.control.value.trim());
    if (warehouse.control.value.trim()) next.set("location", warehouse.control.value.trim());
    if (ageSelect.value) next.set("age", ageSelect.value);
    if (size.control.value) next.set("size", size.control.value);
    location.hash = `#/disputes?${next}`;
  });
  const status = statusLine();
  const list = h("section", { "aria-label": "Open disputes" });
  const evidence = h("section", { id: "evidence", "aria-label": "Evidence and decision" });
  append(main, filters, status.element, list, evidence);

  status.busy("Loading open disputes…");
  const listed = await attempt(() => api.reconciliation.listDiscrepancies({ status: DiscrepancyStatus.OPEN, sku: params.get("sku") ?? "", pageSize: 1000 }));
  if (listed.problem) return status.error(describe(listed.problem));
  const minAge = AGES.find(([value]) => value === (params.get("age") ?? ""))?.[2] ?? 0;
  const minSize = BigInt(params.get("size") || "0");
  const location_ = params.get("location") ?? "";
  const now = Date.now();
  const shown = listed.value.discrepancies.filter(
    (d) =>
      (location_ === "" || d.locationId === location_) &&
      (minAge === 0 || (d.firstSeenAt !== undefined && now - timestampDate(d.firstSeenAt).getTime() >= minAge)) &&
      (d.difference < 0n ? -d.difference : d.difference) >= minSize,
  );
  status.ok(`${shown.length} open dispute${shown.length === 1 ? "" : "s"}${shown.length !== listed.value.discrepancies.length ? ` (of ${listed.value.discrepancies.length} open)` : ""}.`);
  const selectedId = params.get("id");
  replace(
    list,
    table(
      "Open disputes, newest first",
      ["SKU", "Location", "Kind", "Ours", "WMS", "Difference", "Open for", ""],
      shown.map((d) => [
        d.sku,
        d.locationId,
        KINDS[d.kind] ?? "—",
        d.ours,
        d.theirs,
        d.difference > 0n ? `+${d.difference}` : d.difference,
        age(d.firstSeenAt, now),
        h("a", { href: `#/disputes?${withId(params, d.discrepancyId)}`, class: "button small", "aria-current": String(d.discrepancyId) === selectedId ? "true" : undefined, "aria-label": `Review ${d.sku} at ${d.locationId}` }, "Review"),
      ]),
      "no open disputes match.",
    ),
  );
  const chosen = listed.value.discrepancies.find((d) => String(d.discrepancyId) === selectedId);
  if (selectedId && !chosen) replace(evidence, h("p", { class: "status error", role: "alert" }, `Dispute ${selectedId} is not open any more.`));
  if (chosen) await showEvidence(evidence, chosen, params);
}

function withId(params: URLSearchParams, id: bigint): string {
  const next = new URLSearchParams(params);
  next.set("id", String(id));
  return next.toString();
}

async function showEvidence(section: HTMLElement, d: Discrepancy, params: URLSearchParams): Promise<void> {
  const heading = h("h2", { tabindex: "-1" }, `${d.sku} at ${d.locationId}`);
  replace(section, heading, h("p", { class: "status busy" }, "Loading the evidence…"));
  const [story, run] = await Promise.all([
    attempt(() => api.console.describeStock({ sku: d.sku, locationId: d.locationId, limit: 10 })),
    d.runId > 0n ? attempt(() => api.reconciliation.getReconciliationRun({ runId: d.runId })) : Promise.resolve(undefined),
  ]);
  const record = story.value?.records.find((r) => r.locationId === d.locationId);
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "WMS count"),
    h("dd", {}, d.theirs),
    h("dt", {}, "Our count when found"),
    h("dd", {}, `${d.ours} (version ${d.stockVersion})`),
    h("dt", {}, "Our on_hand now"),
    h("dd", {}, `${d.currentOnHand} (version ${d.currentVersion})`, d.currentVersion !== d.stockVersion ? h("strong", { class: "warn" }, " — stock moved since it was found") : null),
    h("dt", {}, "Reserved now"),
    h("dd", {}, record?.hasStock ? record.reserved : "—"),
    h("dt", {}, "First seen"),
    h("dd", {}, when(d.firstSeenAt)),
    h("dt", {}, "Last seen"),
    h("dd", {}, when(d.lastSeenAt)),
  );
  const runBox = !run
    ? h("p", {}, "Not found by a reconciliation run (a shortfall).")
    : run.problem
      ? h("p", { class: "status error", role: "alert" }, describe(run.problem))
      : h(
          "p",
          {},
          `Last reconciliation: run ${run.value.run?.runId} of ${run.value.run?.wmsId} (${run.value.run?.snapshotRef}), snapshot taken ${when(run.value.run?.takenAt)}, finished ${when(run.value.run?.finishedAt)}: ` +
            `${run.value.run?.result?.recordsCompared ?? 0} records compared, ${run.value.run?.result?.mismatchedRecords ?? 0} mismatched.`,
        );
  replace(
    section,
    heading,
    h("div", { class: "columns" }, h("div", { class: "card" }, h("h3", {}, "Evidence"), facts, runBox), overrideForm(d, params)),
    story.problem ? h("p", { class: "status error", role: "alert" }, describe(story.problem)) : null,
    story.value ? table("Recent events of the record", EVENT_HEADINGS, eventRows(story.value.events)) : null,
    story.value ? table("Recent WMS updates received for the record", UPDATE_HEADINGS, updateRows(story.value.updates)) : null,
  );
  heading.focus();
}

function overrideForm(d: Discrepancy, params: URLSearchParams): HTMLElement {
  const counted = field("New on_hand", h("input", { type: "number", min: 0, step: 1, required: true, inputmode: "numeric", value: String(d.kind === DiscrepancyKind.COUNT_MISMATCH ? d.theirs : d.currentOnHand) }), "counted_on_hand");
  const expected = field(
    "Expected current on_hand",
    h("input", { type: "number", min: 0, step: 1, required: true, inputmode: "numeric", value: String(d.currentOnHand) }),
    "expected_on_hand",
    "Compare-and-set: refused if on_hand is no longer this value.",
  );
  const reason = field("Reason", h("select", { required: true }, ...REASONS.map(([value, label]) => h("option", { value: String(value) }, label))), "reason");
  const note = field("Note", h("textarea", { required: true, rows: 3, maxlength: 1000 }), "note", "Why: 1 to 1000 characters, kept in the audit log.");
  const fields = { counted_on_hand: counted, expected_on_hand: expected, reason, note, sku: counted, location_id: counted };
  const status = statusLine();
  const submit = h("button", { type: "submit" }, "Override count");
  const keep = h("button", { type: "button", class: "secondary" }, "Keep ours");
  const form = h(
    "form",
    { class: "card", "aria-label": "Override the count", novalidate: true },
    h("h3", {}, "Decide"),
    counted.row,
    expected.row,
    reason.row,
    note.row,
    h("div", { class: "actions" }, submit, d.kind === DiscrepancyKind.COUNT_MISMATCH ? keep : null, status.element),
  );
  const done = (message: string) => {
    status.ok(message);
    for (const control of form.querySelectorAll("input, select, textarea, button")) (control as HTMLInputElement).disabled = true;
    append(form, h("p", {}, h("a", { href: `#/disputes?${without(params, "id")}` }, "Back to the open disputes")));
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of Object.values(fields)) f.showError(undefined);
    if (!/^\d+$/.test(counted.control.value)) return counted.showError("Enter a whole number of units, 0 or more.");
    if (!/^\d+$/.test(expected.control.value)) return expected.showError("Enter the on_hand you expect now.");
    if (note.control.value.trim() === "") return note.showError("Say why (1 to 1000 characters).");
    submit.disabled = true;
    status.busy("Overriding…");
    const result = await attempt(() =>
      api.reconciliation.overrideStockCount({
        sku: d.sku,
        locationId: d.locationId,
        countedOnHand: BigInt(counted.control.value),
        expectedOnHand: BigInt(expected.control.value),
        reason: Number(reason.control.value) as OverrideReason,
        note: note.control.value.trim(),
      }),
    );
    submit.disabled = false;
    if (result.problem) {
      const p = result.problem;
      if (p.detailCode === "RECONCILIATION.STALE_EXPECTATION") {
        const current = p.metadata["current_on_hand"] ?? "?";
        expected.showError(
          `Refused: on_hand is now ${current} (reserved ${p.metadata["current_reserved"] ?? "?"}, version ${p.metadata["current_version"] ?? "?"}), not ${expected.control.value}. Nothing changed. The field now holds ${current}: check the evidence and submit again.`,
        );
        expected.control.value = current;
        status.error("Stock changed since you looked; decide again.");
        expected.control.focus();
        return;
      }
      if (p.code === "permission_denied") {
        showProblem({ ...p, violations: [] }, {}, status);
        counted.showError(`Your token may not override: ${p.message}`);
        return;
      }
      showProblem(p, fields, status);
      return;
    }
    const r = result.value;
    done(`Overridden: on_hand ${r.location?.onHand} (event ${r.eventId}, audit ${r.auditId}); closed dispute${r.resolvedDiscrepancyIds.length === 1 ? "" : "s"} ${r.resolvedDiscrepancyIds.join(", ") || "none"}${r.shortfall > 0n ? `; shortfall of ${r.shortfall} recorded` : ""}.`);
  });
  keep.addEventListener("click", async () => {
    for (const f of Object.values(fields)) f.showError(undefined);
    if (note.control.value.trim() === "") return note.showError("Say why our count is right (1 to 1000 characters).");
    keep.disabled = true;
    status.busy("Keeping our count…");
    const result = await attempt(() => api.reconciliation.resolveDiscrepancy({ discrepancyId: d.discrepancyId, resolution: DiscrepancyResolution.KEEP_OURS, note: note.control.value.trim() }));
    keep.disabled = false;
    if (result.problem) return showProblem(result.problem, { note }, status);
    done(`Kept ours: dispute ${d.discrepancyId} resolved (${result.value.discrepancy?.resolution}).`);
  });
  return form;
}

function without(params: URLSearchParams, name: string): string {
  const next = new URLSearchParams(params);
  next.delete(name);
  return next.toString();
}
