import assert from "node:assert/strict";
import type { RouteDecision } from "../../migration/domain/ingestion-path.js";
import { RouteDocuments } from "./route-documents.js";
import { routeDocument } from "./route-json.js";

const decision = (cohort: boolean): RouteDecision => ({
  path: cohort ? "new" : "legacy",
  reason: cohort ? "cohort_flag" : "no_flag",
  flags: { killSwitch: false, cohort, shadow: false },
  flag: cohort ? "invsync.cohort.new" : "",
  source: "bootstrap:flags/all-new.json",
});

describe("RouteDocuments", () => {
  it("sends each distinct document once and points every row at its own", () => {
    const documents = new RouteDocuments();
    const routes = [
      { decision: decision(true) },
      { decision: decision(false) },
      { decision: decision(true) },
      { decision: decision(true), cutover: { from: "legacy" as const, seededFrom: "inbox" as const } },
      { decision: decision(true), cutover: { from: undefined, seededFrom: "inbox" as const } },
    ];
    const positions = routes.map((route) => documents.position(route));
    assert.deepEqual(positions, [0, 1, 0, 2, 3]);
    const sent = JSON.parse(documents.toJson()) as unknown[];
    routes.forEach((route, i) => assert.deepEqual(sent[positions[i]!], JSON.parse(JSON.stringify(routeDocument(route)))));
    assert.equal(documents.position(undefined), null);
  });
});
