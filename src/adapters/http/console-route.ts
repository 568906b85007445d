import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RestRoute } from "./rest-aliases.js";
import { sendJson } from "./json-response.js";

/** The files of the built console (`npm run build:console`), with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "styles.css": "text/css; charset=utf-8",
};

/**
 * Where `npm run build:console` writes the console: `dist/console` of the checkout, whether this
 * module runs from `dist/src/adapters/http` (built) or `src/adapters/http` (tsx, tests).
 */
export function builtConsoleDir(): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  return basename(root) === "dist" ? join(root, "console") : join(root, "dist", "console");
}

/**
 * The operator console at `/console`: `GET /console` (and `/console/`) answers its page,
 * `/console/app.js` and `/console/styles.css` its script and styles, read from `dir`. The page
 * calls the Connect services on this same origin with the operator's token; a content security
 * policy allows nothing but this origin. Before the console is built it answers 503 saying so.
 */
export function consoleRoute(dir = builtConsoleDir()): RestRoute {
  return async (req, res, path) => {
    if (path !== "/console" && !path.startsWith("/console/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendJson(res, 405, { code: "invalid_argument", message: `${req.method} ${path}: the console answers GET and HEAD` });
      return true;
    }
    const name = path === "/console" || path === "/console/" ? "index.html" : path.slice("/console/".length);
    const type = ASSETS[name];
    if (type === undefined) {
      sendJson(res, 404, { code: "not_found", message: `no console file ${path}; the console is at /console` });
      return true;
    }
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      sendJson(res, 503, { code: "unavailable", message: `the console is not built (${join(dir, name)} is missing): run npm run build` });
      return true;
    }
    res.writeHead(200, {
      "content-type": type,
      "content-length": body.length,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    });
    if (req.method === "HEAD") res.end();
    else res.end(body);
    return true;
  };
}
