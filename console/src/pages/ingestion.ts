import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { IngestionOutcome, IngestionState } from "../../../gen/invsync/operations/v1/operations_service_pb.js";
import { api, attempt, readiness } from "../api.js";
import { age, append, describe, field, h, replace, showProblem, statusLine, table, when } from "../dom.js";

/** Ingestion: paused or running (pause/resume), per-source lag and gaps, backfill and replay, relay backlog. */
export async function ingestionPage(main: HTMLElement): Promise<void> {
  const stateBox = h("section", { class: "card", "aria-labelledby": "state-title" });
  const sources = h("section", { "aria-label": "Sources" });
  const relay = h("section", { class: "card", "aria-labelledby": "relay-title" });
  const jobs = h("div", { class: "columns" }, backfillForm(), replayForm());
  append(main, h("div", { class: "columns" }, stateBox, relay), sources, h("h2", {}, "Backfill and replay"), jobs);
  await Promise.all([showState(stateBox), showSources(sources), showRelay(relay)]);
}

async function showState(box: HTMLElement, state?: IngestionState): Promise<void> {
  if (!state) {
    const read = await attempt(() => api.operations.getIngestionStatus({}));
    if (read.problem) return replace(box, h("p", { class: "status error", role: "alert" }, describe(read.problem)));
    state = read.value.state;
  }
  const paused = state?.paused ?? false;
  const status = statusLine();
  const reason = field("Reason", h("input", { type: "text", required: true, maxlength: 500 }), "reason", "Shown in the status and to the WMS in its Unavailable answers.");
  const form = h("form", { "aria-label": paused ? "Resume ingestion" : "Pause ingestion", novalidate: true });
  if (paused) append(form, h("div", { class: "actions" }, h("button", { type: "submit" }, "Resume ingestion"), status.element));
  else append(form, reason.row, h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Pause ingestion"), status.element));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    reason.showError(undefined);
    if (!paused && reason.control.value.trim() === "") return reason.showError("Say why (1 to 500 characters).");
    status.busy(paused ? "Resuming…" : "Pausing…");
    const result = paused
      ? await attempt(() => api.operations.resumeIngestion({}))
      : await attempt(() => api.operations.pauseIngestion({ reason: reason.control.value.trim() }));
    if (result.problem) return showProblem(result.problem, { reason }, status);
    await showState(box, result.value.state);
    (box.querySelector("button") as HTMLButtonElement | null)?.focus();
  });
  replace(
    box,
    h("h2", { id: "state-title" }, "Ingestion"),
    h(
      "p",
      { class: `state ${paused ? "paused" : "running"}`, id: "ingestion-state" },
      paused ? `Paused since ${when(state?.changedAt)}: ${state?.reason}` : `Running${state?.changedAt ? ` since ${when(state.changedAt)}` : ""}.`,
    ),
    form,
  );
}

async function showSources(box: HTMLElement): Promise<void> {
  const [status, gaps] = await Promise.all([attempt(() => api.operations.getIngestionStatus({})), attempt(() => api.operations.listGaps({}))]);
  if (status.problem || gaps.problem) return replace(box, h("p", { class: "status error", role: "alert" }, describe((status.problem ?? gaps.problem)!)));
  const now = Date.now();
  replace(
    box,
    table(
      "Pull sources: lag is the time since the cursor last moved",
      ["Source", "Last sequence", "Cursor moved", "Lag", "Last error"],
      status.value.cursors.map((c) => [c.wmsId, c.lastSequence, when(c.updatedAt), age(c.updatedAt, now), c.lastError ? h("span", { class: "bad" }, c.lastError) : "—"]),
      "no pull source has a cursor (pull is off, or nothing was pulled yet).",
    ),
    table(
      "Sequence gaps (missing sequences per source)",
      ["Source", "First missing", "Last missing", "Missing"],
      gaps.value.gaps.map((g) => [g.wmsId, g.firstMissing, g.lastMissing, g.lastMissing - g.firstMissing + 1n]),
      "no gaps: every source's sequences are contiguous.",
    ),
  );
}

async function showRelay(box: HTMLElement): Promise<void> {
  const report = await readiness().catch((error: unknown) => ({ error: String(error) }) as Record<string, unknown>);
  const outbox = (report["outbox"] ?? {}) as { backlog?: number | null; oldestAgeSeconds?: number; relayLastError?: string | null };
  const refresh = h("button", { type: "button", class: "secondary" }, "Refresh");
  refresh.addEventListener("click", () => void showRelay(box).then(() => (box.querySelector("button") as HTMLButtonElement).focus()));
  replace(
    box,
    h("h2", { id: "relay-title" }, "Relay backlog"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Events waiting to be published"),
      h("dd", { id: "relay-backlog" }, outbox.backlog === null || outbox.backlog === undefined ? "unknown (database unreachable)" : outbox.backlog),
      h("dt", {}, "Oldest waiting"),
      h("dd", {}, outbox.oldestAgeSeconds !== undefined ? `${outbox.oldestAgeSeconds} s` : "—"),
      h("dt", {}, "Relay's last error"),
      h("dd", {}, outbox.relayLastError ?? "none"),
      h("dt", {}, "Service"),
      h("dd", {}, String(report["status"] ?? report["error"] ?? "—")),
    ),
    refresh,
  );
}

/** Sums `invsync_wms_updates_total` by outcome from /metrics: what ingestion has processed so far. */
async function processedSoFar(): Promise<Record<string, number>> {
  const text = await (await fetch("/metrics")).text();
  const totals: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^invsync_wms_updates_total\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const outcome = /outcome="([^"]*)"/.exec(match[1]!)?.[1] ?? "?";
    totals[outcome] = (totals[outcome] ?? 0) + Number(match[2]);
  }
  return totals;
}

/**
 * Runs `call` and, while it runs, shows the elapsed time and how many updates ingestion has
 * processed since it started (from /metrics, so live WMS traffic at the same time counts too).
 */
async function withProgress<T>(status: ReturnType<typeof statusLine>, label: string, call: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const before = await processedSoFar().catch(() => undefined);
  let running = true;
  const tick = async () => {
    while (running) {
      const now = await processedSoFar().catch(() => undefined);
      const seconds = Math.round((Date.now() - started) / 1000);
      const counts = before && now ? Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([, v]) => v > 0) : [];
      if (running) status.busy(`${label}: running for ${seconds} s; processed since it started: ${counts.length ? counts.map(([k, v]) => `${v} ${k}`).join(", ") : "none yet"}.`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  status.busy(`${label}: started…`);
  void tick();
  try {
    return await call();
  } finally {
    running = false;
  }
}

const outcomeText = (o: IngestionOutcome | undefined) => (o ? `${o.received} received, ${o.accepted} accepted, ${o.duplicate} duplicate, ${o.stale} stale, ${o.rejected} rejected` : "nothing");

function backfillForm(): HTMLElement {
  const wms = field("Source (wms_id)", h("input", { type: "text", required: true, spellcheck: "false" }), "pull.wms_id");
  const from = field("From sequence", h("input", { type: "number", min: 0, step: 1, value: "0", inputmode: "numeric" }), "pull.from_sequence", "0 means from the start.");
  const to = field("To sequence", h("input", { type: "number", min: 0, step: 1, value: "0", inputmode: "numeric" }), "pull.to_sequence", "0 means up to the newest.");
  const status = statusLine();
  const submit = h("button", { type: "submit" }, "Backfill from the WMS");
  const fields = { "pull.wms_id": wms, "pull.from_sequence": from, "pull.to_sequence": to, source: wms };
  const form = h("form", { class: "card", "aria-label": "Backfill", novalidate: true }, h("h3", {}, "Backfill a range"), wms.row, from.row, to.row, h("div", { class: "actions" }, submit, status.element));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of Object.values(fields)) f.showError(undefined);
    if (!wms.control.value.trim()) return wms.showError("Name the source.");
    submit.disabled = true;
    const result = await withProgress(status, "Backfill", () =>
      attempt(() => api.operations.backfill({ source: { case: "pull", value: { wmsId: wms.control.value.trim(), fromSequence: BigInt(from.control.value || "0"), toSequence: BigInt(to.control.value || "0") } } })),
    );
    submit.disabled = false;
    if (result.problem) return showProblem(result.problem, fields, status);
    status.ok(`Backfill done: ${outcomeText(result.value.outcome)}.`);
  });
  return form;
}

function replayForm(): HTMLElement {
  const statusSelect = h("select", {}, ...["rejected", "stale", "applied"].map((s) => h("option", { value: s }, s)));
  const which = field("Inbox status", statusSelect, "status");
  const sku = field("SKU (optional)", h("input", { type: "text", spellcheck: "false" }), "sku");
  const wms = field("Source (optional)", h("input", { type: "text", spellcheck: "false" }), "wms_id");
  const since = field("Received since (optional)", h("input", { type: "datetime-local" }), "received_from");
  const limit = field("At most", h("input", { type: "number", min: 1, max: 1_000_000, step: 1, value: "1000", inputmode: "numeric" }), "limit");
  const status = statusLine();
  const submit = h("button", { type: "submit" }, "Replay");
  const fields = { status: which, sku, wms_id: wms, received_from: since, limit };
  const form = h("form", { class: "card", "aria-label": "Replay", novalidate: true }, h("h3", {}, "Replay stored updates"), which.row, sku.row, wms.row, since.row, limit.row, h("div", { class: "actions" }, submit, status.element));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of Object.values(fields)) f.showError(undefined);
    submit.disabled = true;
    const result = await withProgress(status, "Replay", () =>
      attempt(() =>
        api.operations.replay({
          status: statusSelect.value,
          sku: sku.control.value.trim(),
          wmsId: wms.control.value.trim(),
          receivedFrom: since.control.value ? timestampFromDate(new Date(since.control.value)) : undefined,
          limit: Number(limit.control.value || "0"),
        }),
      ),
    );
    submit.disabled = false;
    if (result.problem) return showProblem(result.problem, fields, status);
    status.ok(`Replay done: ${result.value.examined} examined, ${result.value.stillRejected} still rejected; ${outcomeText(result.value.outcome)}.`);
  });
  return form;
}
