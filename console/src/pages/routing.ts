import { SplitPolicy, type RoutingRule } from "../../../gen/invsync/inventory/v1/routing_rule_pb.js";
import { api, attempt, type Problem } from "../api.js";
import { append, describe, field, h, replace, showProblem, statusLine, table, when, type Field } from "../dom.js";

/** How a rule's split policy reads. */
function splitText(rule: RoutingRule): string {
  return rule.split === SplitPolicy.ALLOWED ? `split across up to ${rule.maxLocations}` : "never split";
}

/** A rule's warehouses in order, with the safety stock each holds back. */
function warehouseList(rule: RoutingRule): HTMLElement {
  return h("ol", { class: "warehouses" }, ...rule.warehouses.map((w) => h("li", {}, w.locationId, w.safetyStock > 0n ? ` (safety ${w.safetyStock})` : "")));
}

const scope = (value: string) => value || "any";

/**
 * Routing rules: every rule (or those a channel and region would get, in the order tried), a form to
 * create or edit one (compare-and-set on its version) and one to delete one with a reason.
 */
export async function routingPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const channel = params.get("channel") ?? "";
  const region = params.get("region") ?? "";
  const filterChannel = field("Reservation channel", h("input", { type: "search", value: channel, spellcheck: "false" }), "channel");
  const filterRegion = field("Reservation region", h("input", { type: "search", value: region, spellcheck: "false" }), "region");
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Rules a reservation would get" },
    filterChannel.row,
    filterRegion.row,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show rules"), h("button", { type: "button", class: "secondary", onclick: () => (location.hash = "#/routing") }, "All rules")),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (filterChannel.control.value.trim()) next.set("channel", filterChannel.control.value.trim());
    if (filterRegion.control.value.trim()) next.set("region", filterRegion.control.value.trim());
    location.hash = `#/routing${next.toString() ? `?${next}` : ""}`;
  });
  const status = statusLine();
  const list = h("section", { "aria-label": "Routing rules" });
  const editor = h("section", { id: "rule-editor", "aria-label": "Create, edit or delete a rule" });
  const newRule = h("button", { type: "button", onclick: () => openEditor(undefined) }, "New rule");
  append(main, filters, h("div", { class: "actions" }, newRule, status.element), list, editor);

  const load = async (): Promise<readonly RoutingRule[] | undefined> => {
    status.busy("Loading the routing rules…");
    const listed = await attempt(() => api.routing.listRoutingRules({ channel, region }));
    if (listed.problem) {
      status.error(describe(listed.problem));
      return undefined;
    }
    const rules = listed.value.rules;
    const filtered = channel !== "" || region !== "";
    status.ok(
      filtered
        ? `${rules.length} rule${rules.length === 1 ? "" : "s"} a reservation from channel "${scope(channel)}", region "${scope(region)}" would try, in order.`
        : `${rules.length} routing rule${rules.length === 1 ? "" : "s"}.${rules.length === 0 ? " Reservations that name no location take the location with the most available stock." : ""}`,
    );
    replace(
      list,
      table(
        filtered ? "Rules in the order tried" : "Routing rules, by channel, region and priority",
        ["Rule", "Channel", "Region", "Priority", "Warehouses, in order", "Split", "Version", "Last changed", ""],
        rules.map((rule) => [
          rule.ruleId,
          scope(rule.channel),
          scope(rule.region),
          rule.priority,
          warehouseList(rule),
          splitText(rule),
          rule.version,
          `${when(rule.updatedAt)} by ${rule.updatedBy || "—"}`,
          h(
            "div",
            { class: "row-actions" },
            h("button", { type: "button", class: "small secondary", "aria-label": `Edit ${rule.ruleId}`, onclick: () => openEditor(rule) }, "Edit"),
            h("button", { type: "button", class: "small danger", "aria-label": `Delete ${rule.ruleId}`, onclick: () => openDelete(rule) }, "Delete"),
          ),
        ]),
        filtered ? "no rule applies; the default rule (the most available) decides." : "no rules yet.",
      ),
    );
    return rules;
  };

  const openEditor = (rule: RoutingRule | undefined) => {
    const heading = h("h2", { tabindex: "-1" }, rule ? `Edit ${rule.ruleId}` : "New rule");
    replace(editor, heading, ruleForm(rule, { channel, region }, load));
    heading.focus();
  };
  const openDelete = (rule: RoutingRule) => {
    const heading = h("h2", { tabindex: "-1" }, `Delete ${rule.ruleId}`);
    replace(editor, heading, deleteForm(rule, load, () => replace(editor)));
    heading.focus();
  };

  await load();
}

/** One warehouse line of the form: its location, its safety stock and the buttons that move or remove it. */
interface WarehouseRow {
  readonly element: HTMLElement;
  readonly location: Field<HTMLInputElement>;
  readonly safety: Field<HTMLInputElement>;
  readonly up: HTMLButtonElement;
  readonly down: HTMLButtonElement;
  readonly remove: HTMLButtonElement;
}

/** A field-like error place for a whole group (the warehouse list), for violations of `warehouses`. */
function groupError(control: HTMLElement): Field<HTMLElement> {
  const error = h("p", { class: "field-error", id: `${control.id}-error`, role: "alert" });
  control.setAttribute("aria-describedby", error.id);
  return {
    row: error,
    control,
    showError(message) {
      error.textContent = message ?? "";
    },
  };
}

let editors = 0;

function ruleForm(rule: RoutingRule | undefined, prefill: { channel: string; region: string }, reload: () => Promise<readonly RoutingRule[] | undefined>): HTMLElement {
  const ruleId = field("Rule id", h("input", { type: "text", required: true, maxlength: 64, spellcheck: "false", value: rule?.ruleId ?? "", readonly: rule !== undefined }), "rule_id", "1 to 64 letters, digits, '.', '_', '-'. The rule's name; it cannot be renamed.");
  const channel = field("Channel", h("input", { type: "text", spellcheck: "false", value: rule?.channel ?? prefill.channel }), "channel", "The sales channel it applies to; empty means every channel.");
  const region = field("Region", h("input", { type: "text", spellcheck: "false", value: rule?.region ?? prefill.region }), "region", "The region it applies to; empty means every region.");
  const priority = field("Priority", h("input", { type: "number", min: 0, max: 1_000_000, step: 1, required: true, inputmode: "numeric", value: String(rule?.priority ?? 0) }), "priority", "Lowest first among the rules of one channel and region; two may not tie.");
  const split = field(
    "Split policy",
    h("select", {}, h("option", { value: "never", selected: rule?.split !== SplitPolicy.ALLOWED }, "Never: one warehouse holds the whole quantity"), h("option", { value: "allowed", selected: rule?.split === SplitPolicy.ALLOWED }, "Allowed: split across up to N warehouses")),
    "split",
  );
  const maxLocations = field("Most warehouses per reservation (N)", h("input", { type: "number", min: 1, max: 64, step: 1, inputmode: "numeric", value: String(rule?.split === SplitPolicy.ALLOWED ? rule.maxLocations : 2) }), "max_locations", "Only when the split policy is Allowed (1 to 64).");
  const description = field("Description", h("textarea", { rows: 2, maxlength: 500 }, rule?.description ?? ""), "description", "What the rule is for (up to 500 characters).");
  const expected = field(
    "Expected version",
    h("input", { type: "number", readonly: true, value: String(rule?.version ?? 0) }),
    "expected_version",
    "Compare-and-set: the change is refused if the rule is no longer at this version (0: it must not exist yet).",
  );
  const reason = field("Reason", h("input", { type: "text", maxlength: 500 }), "reason", "Why, for the audit log.");
  const syncSplit = () => {
    maxLocations.control.disabled = split.control.value !== "allowed";
  };
  split.control.addEventListener("change", syncSplit);
  syncSplit();

  const listId = `warehouse-list-${++editors}`;
  const rowsBox = h("ol", { class: "warehouse-rows", id: listId });
  const warehousesGroup = groupError(rowsBox);
  const rows: WarehouseRow[] = [];
  const renumber = () => {
    rowsBox.replaceChildren(...rows.map((r) => r.element));
    rows.forEach((r, i) => {
      const n = i + 1;
      r.location.row.querySelector("label")!.textContent = `Warehouse ${n}`;
      r.safety.row.querySelector("label")!.textContent = `Safety stock at warehouse ${n}`;
      r.location.control.dataset.field = `warehouses[${i}].location_id`;
      r.safety.control.dataset.field = `warehouses[${i}].safety_stock`;
      r.up.setAttribute("aria-label", `Move warehouse ${n} up`);
      r.down.setAttribute("aria-label", `Move warehouse ${n} down`);
      r.remove.setAttribute("aria-label", `Remove warehouse ${n}`);
      r.up.disabled = i === 0;
      r.down.disabled = i === rows.length - 1;
      r.remove.disabled = rows.length === 1;
    });
  };
  const move = (row: WarehouseRow, by: number, button: "up" | "down") => {
    const i = rows.indexOf(row);
    const j = i + by;
    if (j < 0 || j >= rows.length) return;
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    renumber();
    // The focus follows the warehouse moved; at the end of the list, the other button.
    const target = row[button].disabled ? row[button === "up" ? "down" : "up"] : row[button];
    target.focus();
  };
  const addRow = (locationId = "", safetyStock = "0") => {
    const location = field("Warehouse", h("input", { type: "text", required: true, spellcheck: "false", value: locationId }), "warehouses[].location_id");
    const safety = field("Safety stock", h("input", { type: "number", min: 0, step: 1, inputmode: "numeric", value: safetyStock }), "warehouses[].safety_stock");
    const up = h("button", { type: "button", class: "small secondary" }, "↑");
    const down = h("button", { type: "button", class: "small secondary" }, "↓");
    const remove = h("button", { type: "button", class: "small secondary" }, "Remove");
    const element = h("li", { class: "warehouse-row" }, location.row, safety.row, h("div", { class: "actions" }, up, down, remove));
    const row: WarehouseRow = { element, location, safety, up, down, remove };
    up.addEventListener("click", () => move(row, -1, "up"));
    down.addEventListener("click", () => move(row, 1, "down"));
    remove.addEventListener("click", () => {
      const i = rows.indexOf(row);
      rows.splice(i, 1);
      renumber();
      rows[Math.min(i, rows.length - 1)]?.location.control.focus();
    });
    rows.push(row);
    renumber();
    return row;
  };
  for (const w of rule?.warehouses ?? []) addRow(w.locationId, String(w.safetyStock));
  if (rows.length === 0) addRow();
  const add = h("button", { type: "button", class: "secondary", onclick: () => addRow().location.control.focus() }, "Add warehouse");

  const status = statusLine();
  const submit = h("button", { type: "submit" }, rule ? "Save rule" : "Create rule");
  const current = h("section", { "aria-label": "The rule as it is now" });
  const form = h(
    "form",
    { class: "card", "aria-label": rule ? `Edit ${rule.ruleId}` : "New rule", novalidate: true },
    h("div", { class: "columns" }, h("div", {}, ruleId.row, channel.row, region.row, priority.row), h("div", {}, split.row, maxLocations.row, description.row)),
    h(
      "fieldset",
      { class: "warehouses-set" },
      h("legend", {}, "Eligible warehouses, most preferred first"),
      h("p", { class: "hint" }, "Each with the units held back from available there when this rule chooses it. Move them with the arrows."),
      rowsBox,
      warehousesGroup.row,
      add,
    ),
    h("div", { class: "columns" }, h("div", {}, expected.row), h("div", {}, reason.row)),
    h("div", { class: "actions" }, submit, status.element),
  );

  const scalarFields = { rule_id: ruleId, channel, region, priority, split, max_locations: maxLocations, description, expected_version: expected, reason, warehouses: warehousesGroup };
  const allFields = (): Record<string, Field<HTMLElement>> => {
    const fields: Record<string, Field<HTMLElement>> = { ...scalarFields };
    rows.forEach((r, i) => {
      fields[`warehouses[${i}].location_id`] = r.location;
      fields[`warehouses[${i}].safety_stock`] = r.safety;
    });
    return fields;
  };
  const focusFirstError = () => (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = allFields();
    for (const f of Object.values(fields)) f.showError(undefined);
    replace(current);
    // Checked here only what cannot be sent as typed; the server checks the rest and says which field.
    let local = false;
    if (ruleId.control.value.trim() === "") (ruleId.showError("Name the rule."), (local = true));
    if (!/^\d+$/.test(priority.control.value)) (priority.showError("Enter a whole number from 0 to 1000000."), (local = true));
    if (split.control.value === "allowed" && !/^\d+$/.test(maxLocations.control.value)) (maxLocations.showError("Enter how many warehouses one reservation may be split across (1 to 64)."), (local = true));
    rows.forEach((r, i) => {
      if (r.location.control.value.trim() === "") (r.location.showError(`Name warehouse ${i + 1}, or remove it.`), (local = true));
      if (!/^\d+$/.test(r.safety.control.value)) (r.safety.showError("Enter a whole number of units, 0 or more."), (local = true));
    });
    if (local) {
      status.error("Check the fields marked above.");
      return focusFirstError();
    }
    const allowed = split.control.value === "allowed";
    const expectedVersion = Number(expected.control.value);
    submit.disabled = true;
    status.busy("Saving…");
    const result = await attempt(() =>
      api.routing.putRoutingRule({
        rule: {
          ruleId: ruleId.control.value.trim(),
          channel: channel.control.value.trim(),
          region: region.control.value.trim(),
          priority: Number(priority.control.value),
          warehouses: rows.map((r) => ({ locationId: r.location.control.value.trim(), safetyStock: BigInt(r.safety.control.value) })),
          split: allowed ? SplitPolicy.ALLOWED : SplitPolicy.NEVER,
          maxLocations: allowed ? Number(maxLocations.control.value) : 1,
          description: description.control.value.trim(),
        },
        expectedVersion,
        reason: reason.control.value.trim(),
      }),
    );
    submit.disabled = false;
    if (result.problem) return refused(result.problem, fields, expectedVersion);
    const saved = result.value.rule!;
    await reload();
    // Stay on the rule as saved: a further edit compares against the new version.
    ruleId.control.readOnly = true;
    expected.control.value = String(saved.version);
    submit.textContent = "Save rule";
    form.setAttribute("aria-label", `Edit ${saved.ruleId}`);
    const heading = form.parentElement?.querySelector("h2");
    if (heading) heading.textContent = `Edit ${saved.ruleId}`;
    status.ok(`Saved ${saved.ruleId} at version ${saved.version} (${splitText(saved)}; ${saved.warehouses.map((w) => w.locationId).join(" → ")}).`);
  });

  const refused = async (problem: Problem, fields: Record<string, Field<HTMLElement>>, sentVersion: number) => {
    if (problem.detailCode === "ROUTING_RULE.VERSION_MISMATCH") {
      const now = Number(problem.metadata["current_version"] ?? "0");
      const read = now === 0 ? undefined : await attempt(() => api.routing.getRoutingRule({ ruleId: ruleId.control.value.trim() }));
      const latest = read?.value?.rule;
      expected.control.value = String(latest?.version ?? now);
      expected.showError(
        now === 0
          ? `Refused: the rule no longer exists (it was deleted), not version ${sentVersion}. Nothing changed. The field now holds 0: save again to create it anew.`
          : `Refused: the rule is now at version ${latest?.version ?? now}${latest ? `, changed ${when(latest.updatedAt)} by ${latest.updatedBy}` : ""}, not ${sentVersion}. Nothing changed. The field now holds ${latest?.version ?? now}: compare with the rule as it is now and save again.`,
      );
      if (latest) replace(current, h("div", { class: "card current-rule" }, h("h3", {}, `${latest.ruleId} as it is now (version ${latest.version})`), ruleFacts(latest)));
      if (read?.problem) replace(current, h("p", { class: "status error", role: "alert" }, `Could not read the rule as it is now: ${describe(read.problem)}`));
      status.error("The rule changed since you opened it; your changes are kept here. Decide again.");
      void reload();
      expected.control.focus();
      return;
    }
    if (problem.code === "permission_denied") {
      status.error(`Your token may not change routing rules: ${describe(problem)}. Nothing changed; ask an operator.`);
      submit.focus();
      return;
    }
    showProblem(problem, fields, status);
    focusFirstError();
  };
  append(form, current);
  return form;
}

/** A rule's settings as a definition list. */
function ruleFacts(rule: RoutingRule): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Channel"),
    h("dd", {}, scope(rule.channel)),
    h("dt", {}, "Region"),
    h("dd", {}, scope(rule.region)),
    h("dt", {}, "Priority"),
    h("dd", {}, rule.priority),
    h("dt", {}, "Warehouses"),
    h("dd", {}, warehouseList(rule)),
    h("dt", {}, "Split"),
    h("dd", {}, splitText(rule)),
    h("dt", {}, "Description"),
    h("dd", {}, rule.description || "—"),
    h("dt", {}, "Last changed"),
    h("dd", {}, `${when(rule.updatedAt)} by ${rule.updatedBy || "—"}`),
  );
}

function deleteForm(rule: RoutingRule, reload: () => Promise<readonly RoutingRule[] | undefined>, close: () => void): HTMLElement {
  const reason = field("Reason for deleting", h("input", { type: "text", required: true, maxlength: 500 }), "reason", "Why, for the audit log.");
  const status = statusLine();
  const submit = h("button", { type: "submit", class: "danger" }, `Delete ${rule.ruleId}`);
  const form = h(
    "form",
    { class: "card", "aria-label": `Delete ${rule.ruleId}`, novalidate: true },
    ruleFacts(rule),
    h("p", {}, "Reservations from its channel and region then take the next rule that applies, or the default rule (the location with the most available)."),
    reason.row,
    h("div", { class: "actions" }, submit, h("button", { type: "button", class: "secondary", onclick: close }, "Cancel"), status.element),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    reason.showError(undefined);
    if (reason.control.value.trim() === "") {
      reason.showError("Say why (1 to 500 characters).");
      return reason.control.focus();
    }
    submit.disabled = true;
    status.busy("Deleting…");
    const result = await attempt(() => api.routing.deleteRoutingRule({ ruleId: rule.ruleId, reason: reason.control.value.trim() }));
    submit.disabled = false;
    if (result.problem) {
      if (result.problem.code === "permission_denied") return status.error(`Your token may not change routing rules: ${describe(result.problem)}. Nothing changed; ask an operator.`);
      return showProblem(result.problem, { reason }, status);
    }
    await reload();
    status.ok(`Deleted ${rule.ruleId} (it was at version ${result.value.rule?.version}).`);
    reason.control.disabled = true;
    submit.disabled = true;
  });
  return form;
}
