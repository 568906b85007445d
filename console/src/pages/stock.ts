import type { RecordEvent, ReceivedUpdate } from "../../../gen/invsync/console/v1/console_service_pb.js";
import { api, attempt } from "../api.js";
import { append, field, h, replace, showProblem, statusLine, table, when } from "../dom.js";

export const EVENT_HEADINGS = ["At", "Event", "Location", "Change", "on_hand", "reserved", "Version", "Source", "Cause"];
export const UPDATE_HEADINGS = ["Received", "Source · sequence", "Location", "Quantity", "Observed", "Status", "Batch"];

const signed = (n: bigint) => (n > 0n ? `+${n}` : String(n));

/** Table rows of inventory events. */
export function eventRows(events: readonly RecordEvent[]) {
  return events.map((e) => [
    when(e.at),
    e.type,
    e.locationId,
    signed(e.delta),
    `${e.onHandBefore} → ${e.onHandAfter}`,
    `${e.reservedBefore} → ${e.reservedAfter}`,
    e.version,
    e.source,
    h("code", {}, e.cause),
  ]);
}

/** Table rows of received WMS updates (inbox rows). */
export function updateRows(updates: readonly ReceivedUpdate[]) {
  return updates.map((u) => [
    when(u.receivedAt),
    `${u.wmsId} · ${u.sequence}`,
    u.locationId,
    u.quantity,
    when(u.observedAt),
    u.status === "rejected" ? h("span", { class: "bad" }, `rejected: ${u.rejectReason}`) : u.status,
    u.batchId,
  ]);
}

/** Stock: one SKU per location, its path and why, and a timeline of its events and WMS updates. */
export async function stockPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const sku = field("SKU", h("input", { type: "search", required: true, spellcheck: "false", value: params.get("sku") ?? "" }), "sku", "Letters, digits, '.', '_' and '-', up to 64.");
  const status = statusLine();
  const form = h("form", { class: "filters", role: "search", "aria-label": "Find a SKU" }, sku.row, h("div", { class: "actions" }, h("button", { type: "submit" }, "Find"), status.element));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = sku.control.value.trim();
    if (!value) return sku.showError("Enter a SKU.");
    location.hash = `#/stock?${new URLSearchParams({ sku: value })}`;
  });
  const result = h("section", { "aria-label": "The SKU" });
  append(main, form, result);
  const wanted = params.get("sku");
  if (!wanted) {
    sku.control.focus();
    return;
  }
  status.busy(`Looking up ${wanted}…`);
  const story = await attempt(() => api.console.describeStock({ sku: wanted, limit: 50 }));
  if (story.problem) return showProblem(story.problem, { sku }, status);
  const { records, events, updates } = story.value;
  if (records.length === 0 && events.length === 0 && updates.length === 0) {
    status.clear();
    sku.showError(`${wanted} is not known here: no stock, route, event or WMS update.`);
    sku.control.focus();
    return;
  }
  status.ok(`${wanted}: ${records.length} location${records.length === 1 ? "" : "s"}.`);
  const timeline = [
    ...events.map((e) => ({ at: e.at, kind: "event", what: `${e.type} at ${e.locationId}: on_hand ${e.onHandBefore} → ${e.onHandAfter}, reserved ${e.reservedBefore} → ${e.reservedAfter} (${e.source})` })),
    ...updates.map((u) => ({ at: u.receivedAt, kind: "update", what: `WMS update ${u.wmsId} #${u.sequence} at ${u.locationId}: quantity ${u.quantity}, ${u.status}${u.rejectReason ? ` (${u.rejectReason})` : ""}` })),
  ].sort((a, b) => Number((b.at?.seconds ?? 0n) - (a.at?.seconds ?? 0n)) || (b.at?.nanos ?? 0) - (a.at?.nanos ?? 0));
  const heading = h("h2", { tabindex: "-1" }, wanted);
  replace(
    result,
    heading,
    table(
      "Per location",
      ["Location", "on_hand", "reserved", "available", "Version", "Last WMS update", "Path", "Why", "On this path since"],
      records.map((r) => [
        r.locationId,
        r.hasStock ? r.onHand : "—",
        r.hasStock ? r.reserved : "—",
        r.hasStock ? h("strong", {}, r.available) : "—",
        r.hasStock ? r.version : "—",
        r.lastWmsId ? `${r.lastWmsId} #${r.lastSequence}` : "—",
        r.path ? h("span", { class: `path ${r.path}` }, r.path) : "not routed",
        r.why ? h("span", {}, r.flag ? `flag ${r.flag}: ` : "", h("code", {}, r.why), r.previousPath ? ` (was ${r.previousPath})` : "") : "—",
        when(r.pathSince),
      ]),
    ),
    h("h3", {}, "Timeline, newest first"),
    timeline.length === 0 ? h("p", { class: "empty" }, "Nothing yet.") : h("ol", { class: "timeline" }, ...timeline.map((t) => h("li", { class: t.kind }, h("time", {}, when(t.at)), " ", t.what))),
    table("Events", EVENT_HEADINGS, eventRows(events)),
    table("WMS updates received", UPDATE_HEADINGS, updateRows(updates)),
  );
  heading.focus();
}
