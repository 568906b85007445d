import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { JsonObject } from "@bufbuild/protobuf";
import { api, attempt } from "../api.js";
import { append, field, h, replace, showProblem, statusLine, table, when } from "../dom.js";

const PAGE_SIZE = 25;

const json = (value: JsonObject | undefined) => (value && Object.keys(value).length > 0 ? h("code", {}, JSON.stringify(value)) : "—");

/** Audit: the audit log, searchable (SKU, location, action, time range) and paged. */
export async function auditPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const sku = field("SKU", h("input", { type: "search", spellcheck: "false", value: params.get("sku") ?? "" }), "sku");
  const locationField = field("Location", h("input", { type: "search", spellcheck: "false", value: params.get("location") ?? "" }), "location_id");
  const action = field("Action", h("input", { type: "search", spellcheck: "false", value: params.get("action") ?? "", placeholder: "stock_overridden" }), "action");
  const from = field("From", h("input", { type: "datetime-local", value: params.get("from") ?? "" }), "from");
  const to = field("To", h("input", { type: "datetime-local", value: params.get("to") ?? "" }), "to");
  const status = statusLine();
  const form = h("form", { class: "filters", role: "search", "aria-label": "Search the audit log" }, sku.row, locationField.row, action.row, from.row, to.row, h("div", { class: "actions" }, h("button", { type: "submit" }, "Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, f] of [["sku", sku], ["location", locationField], ["action", action], ["from", from], ["to", to]] as const) if (f.control.value.trim()) next.set(name, f.control.value.trim());
    location.hash = `#/audit?${next}`;
  });
  const results = h("section", { "aria-label": "Audit entries" });
  append(main, form, status.element, results);
  const fields = { sku, location_id: locationField, action, from, to, page_token: sku };
  // Tokens of the pages before this one, so "Previous" can go back.
  const tokens: string[] = [];
  let token = params.get("page") ?? "";

  const load = async () => {
    status.busy("Searching…");
    const result = await attempt(() =>
      api.reconciliation.listAuditEntries({
        sku: params.get("sku") ?? "",
        locationId: params.get("location") ?? "",
        action: params.get("action") ?? "",
        from: params.get("from") ? timestampFromDate(new Date(params.get("from")!)) : undefined,
        to: params.get("to") ? timestampFromDate(new Date(params.get("to")!)) : undefined,
        pageSize: PAGE_SIZE,
        pageToken: token,
      }),
    );
    if (result.problem) return showProblem(result.problem, fields, status);
    const { entries, nextPageToken } = result.value;
    status.ok(`Page ${tokens.length + 1}: ${entries.length} entr${entries.length === 1 ? "y" : "ies"}, oldest first.`);
    const previous = h("button", { type: "button", class: "secondary", disabled: tokens.length === 0 }, "Previous page");
    const next = h("button", { type: "button", class: "secondary", disabled: nextPageToken === "" }, "Next page");
    previous.addEventListener("click", () => {
      token = tokens.pop() ?? "";
      void load().then(() => (results.querySelector("button") as HTMLButtonElement).focus());
    });
    next.addEventListener("click", () => {
      tokens.push(token);
      token = nextPageToken;
      void load().then(() => (results.querySelectorAll("button")[1] as HTMLButtonElement).focus());
    });
    replace(
      results,
      table(
        "Audit entries",
        ["At", "Actor", "Action", "SKU", "Location", "Before", "After", "Reason", "Note", "Request"],
        entries.map((e) => [when(e.at), `${e.actor} (${e.role})`, e.action, e.sku || "—", e.locationId || "—", json(e.before), json(e.after), e.reason || "—", e.note || "—", h("code", {}, e.requestId)]),
        "no entries match.",
      ),
      h("nav", { class: "pager", "aria-label": "Audit pages" }, previous, next),
    );
  };
  await load();
}
