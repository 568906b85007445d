import type { RestRoute } from "./rest-aliases.js";
import { sendJson, sendJsonText } from "./json-response.js";

/** What the readiness probe found. */
export interface ReadinessReport {
  /** True when the service can take writes: database reachable and not shutting down. */
  readonly ready: boolean;
  /** Each dependency's state, for humans reading `/readyz`. */
  readonly checks: Readonly<Record<string, unknown>>;
}

/**
 * `/healthz` (liveness: the process answers), `/readyz` (readiness: 200 when writes are accepted,
 * 503 otherwise, with the state of database, NATS and the outbox backlog in the body), and
 * `/metrics` (Prometheus text format).
 */
export function healthRoutes(probe: () => Promise<ReadinessReport>, metrics: { contentType: string; text(): Promise<string> }): RestRoute {
  return async (req, res, path) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    switch (path) {
      case "/healthz":
        sendJson(res, 200, { status: "ok" });
        return true;
      case "/readyz": {
        const report = await probe();
        sendJson(res, report.ready ? 200 : 503, { status: report.ready ? "ready" : "not ready", ...report.checks });
        return true;
      }
      case "/metrics": {
        const text = await metrics.text();
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(text);
        return true;
      }
      default:
        return false;
    }
  };
}

/** Answers 404 in JSON, naming what the gateway serves. */
export const notFoundRoute: RestRoute = async (_req, res, path) => {
  sendJsonText(
    res,
    404,
    JSON.stringify({
      code: "not_found",
      message: `no route for ${path}; see the README for the Connect services, REST aliases, /healthz, /readyz and /metrics`,
    }),
  );
  return true;
};
