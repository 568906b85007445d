import { api, onCredentialRefused, problemOf, session } from "./api.js";
import { describe, field, h, replace, statusLine } from "./dom.js";
import { auditPage } from "./pages/audit.js";
import { disputesPage } from "./pages/disputes.js";
import { ingestionPage } from "./pages/ingestion.js";
import { migrationPage } from "./pages/migration.js";
import { routingPage } from "./pages/routing.js";
import { stockPage } from "./pages/stock.js";

/** A page: renders itself into `main`, reading its parameters from the hash's query. */
export type Page = (main: HTMLElement, params: URLSearchParams) => Promise<void> | void;

const PAGES: Record<string, { title: string; render: Page }> = {
  disputes: { title: "Disputes", render: disputesPage },
  stock: { title: "Stock", render: stockPage },
  migration: { title: "Migration", render: migrationPage },
  ingestion: { title: "Ingestion", render: ingestionPage },
  routing: { title: "Routing rules", render: routingPage },
  audit: { title: "Audit", render: auditPage },
};

const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
const sessionBox = document.getElementById("session")!;
let refusal = "";

function route(): void {
  const [name = "", query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  if (!session.token()) return signIn();
  const page = PAGES[name];
  if (!page) {
    location.replace("#/disputes");
    return;
  }
  nav.hidden = false;
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  replace(sessionBox, h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"));
  document.title = `${page.title} · inventory-sync console`;
  replace(main, h("h1", {}, page.title));
  main.focus({ preventScroll: true });
  void page.render(main, new URLSearchParams(query));
}

function signIn(): void {
  nav.hidden = true;
  replace(sessionBox);
  document.title = "Sign in · inventory-sync console";
  const token = field("Operator token", h("input", { type: "password", autocomplete: "off", required: true, spellcheck: "false" }), "token", "The bearer token from OPERATOR_TOKENS. Kept in this tab only (session storage) until you sign out or close it.");
  const status = statusLine();
  if (refusal) status.error(refusal);
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    token.row,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in"), status.element),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = token.control.value.trim();
    if (!value) return token.showError("Enter your token.");
    session.signIn(value);
    status.busy("Checking the token…");
    // Called directly (not through attempt): a refused token is said here, beside the field.
    const refused = await api.operations.getIngestionStatus({}).then(() => undefined, problemOf);
    if (refused) {
      session.signOut();
      token.showError(describe(refused));
      status.clear();
      token.control.focus();
      return;
    }
    refusal = "";
    if (!location.hash || location.hash === "#/" || location.hash === "#") location.hash = "#/disputes";
    else route();
  });
  replace(main, form);
  token.control.focus();
}

function signOut(): void {
  session.signOut();
  refusal = "";
  route();
}

onCredentialRefused((problem) => {
  session.signOut();
  refusal = `Signed out: ${describe(problem)}`;
  route();
});

// The skip link moves the focus to the page's content without touching the hash (the hash is the route).
document.querySelector(".skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", route);
route();
