import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Problem } from "./api.js";

type Child = Node | string | number | bigint | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Builds an element: `h("button", { type: "submit", onclick: … }, "Save")`. Text is never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A timestamp as local date and time, or "—". */
export function when(timestamp: Timestamp | undefined): string {
  if (!timestamp) return "—";
  return timestampDate(timestamp).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** How long ago `timestamp` was, in words: "5 min", "3 h", "2 d". */
export function age(timestamp: Timestamp | undefined, now = Date.now()): string {
  if (!timestamp) return "—";
  const seconds = Math.max(0, Math.round((now - timestampDate(timestamp).getTime()) / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

let fieldIds = 0;

/** A labelled form field with a place for its error beside it (`aria-describedby`). */
export interface Field<E extends HTMLElement> {
  readonly row: HTMLElement;
  readonly control: E;
  showError(message: string | undefined): void;
}

/** Wraps `control` with a label and an error line; `name` is the request field the server names in a violation. */
export function field<E extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(label: string, control: E, name: string, hint?: string): Field<E> {
  const id = `f${++fieldIds}`;
  control.id = id;
  control.dataset.field = name;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintElement ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" "));
  const row = h("div", { class: "field" }, h("label", { for: id }, label), control, hintElement, error);
  return {
    row,
    control,
    showError(message) {
      error.textContent = message ?? "";
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

/** A status line for a form or a page: errors in red (role alert), outcomes in green (role status). */
export function statusLine(): { element: HTMLElement; error(message: string): void; ok(message: string): void; busy(message: string): void; clear(): void } {
  const element = h("p", { class: "status", "aria-live": "polite" });
  const set = (kind: string, message: string) => {
    element.className = `status ${kind}`;
    element.setAttribute("role", kind === "error" ? "alert" : "status");
    element.textContent = message;
  };
  return { element, error: (m) => set("error", m), ok: (m) => set("ok", m), busy: (m) => set("busy", m), clear: () => set("", "") };
}

/** A problem in one line: "permission_denied (ACCESS.ROLE_TOO_LOW): the message". */
export function describe(problem: Problem): string {
  return `${problem.code}${problem.detailCode ? ` (${problem.detailCode})` : ""}: ${problem.message}`;
}

/**
 * Shows `problem` beside the fields it names (by request field path), the rest in `status`.
 * `fields` maps request field names to fields; every field's earlier error is cleared.
 */
export function showProblem(problem: Problem, fields: Readonly<Record<string, Field<HTMLElement>>>, status: ReturnType<typeof statusLine>): void {
  for (const f of Object.values(fields)) f.showError(undefined);
  let unplaced = problem.violations.length === 0;
  for (const violation of problem.violations) {
    const target = fields[violation.field];
    if (target) target.showError(violation.reason);
    else unplaced = true;
  }
  if (unplaced) status.error(describe(problem));
  else status.error("Check the fields marked above.");
}

/** A table with a caption and column headings; rows are arrays of cells. */
export function table(caption: string, headings: readonly string[], rows: ReadonlyArray<readonly Child[]>, empty = "None."): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, `${caption}: ${empty}`);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...headings.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((cell) => h("td", {}, cell))))),
    ),
  );
}
