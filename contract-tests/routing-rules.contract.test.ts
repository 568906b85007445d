import assert from "node:assert/strict";
import pg from "pg";
import { decodeErrorDetail } from "./support/grpc-clients.js";
import { invsync } from "./support/operator-calls.js";
import { connectCaller, grpcCaller, ownGrpcClients, type CallResult, type ReservationCaller } from "./support/reservation-calls.js";
import { OPERATOR_TOKEN, startTestService, VIEWER_TOKEN, type TestService } from "./support/test-service.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const CLIENTS = 40;

/** Calls `RoutingRuleService/<method>` with Connect JSON and a bearer token. */
async function rules(svc: TestService, method: string, request: object, token = OPERATOR_TOKEN): Promise<CallResult> {
  const res = await postJson(`${svc.baseUrl}/invsync.inventory.v1.RoutingRuleService/${method}`, request, { authorization: `Bearer ${token}` });
  if (res.status === 200) return { ok: true, body: res.body };
  const encoded = (res.body?.details as Array<{ type: string; value: string }> | undefined)?.find((d) => d.type === "invsync.errors.v1.ErrorDetail");
  return { ok: false, code: res.body?.code, message: res.body?.message, detail: encoded ? decodeErrorDetail(Buffer.from(encoded.value, "base64")) : undefined };
}

function rule(ruleId: string, warehouses: Array<[string, number]>, extra: object = {}) {
  return { ruleId, priority: 0, warehouses: warehouses.map(([locationId, safetyStock]) => ({ locationId, safetyStock: String(safetyStock) })), split: "SPLIT_POLICY_NEVER", ...extra };
}

/**
 * Routing rules over the real server: managed over Connect (operator to change, viewer to read,
 * audited) and the CLI, applied by ReserveStock under the stock row locks — many clients at once
 * (half gRPC, half Connect) never take more than on_hand − reserved − safety stock anywhere, split
 * only as the rule allows, and each accepted reservation names the rule that chose it.
 */
describe("contract: routing rules (PostgreSQL, Connect and gRPC)", function () {
  this.timeout(60_000);
  let svc: TestService;
  let callers: ReservationCaller[];
  let closeClients: () => void;
  let db: pg.Client;
  let sequence = 0;

  async function count(sku: string, quantity: number, location: string) {
    const update = wmsUpdate(sku, ++sequence, quantity, { wmsId: "wms-routing", observedAt: new Date(Date.now() - 1000).toISOString(), locationId: location });
    assert.equal((await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(`r-${sequence}`, [update]))).body.accepted, 1);
  }

  async function records(sku: string) {
    const { rows } = await db.query(`SELECT location_id, on_hand::int, reserved::int FROM inventory WHERE sku = $1 ORDER BY location_id`, [sku]);
    return rows as Array<{ location_id: string; on_hand: number; reserved: number }>;
  }

  const reserve = (call: ReservationCaller, sku: string, quantity: number, key: string, extra: object = {}) =>
    call("ReserveStock", { sku, quantity, orderReference: `order-${key}`, idempotencyKey: key, ...extra });

  before(async () => {
    svc = await startTestService("routing_rules");
    const bundles = Array.from({ length: CLIENTS / 2 }, () => ownGrpcClients(svc.grpcAddress));
    callers = [...bundles.map((b) => grpcCaller(b.reservations)), ...bundles.map(() => connectCaller(svc.baseUrl))];
    closeClients = () => bundles.forEach((b) => b.close());
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
    for (const [location, quantity] of [["AMS", 10], ["FRA", 10], ["MAD", 10], ["NYC", 100]] as const) await count("ROUTE-1", quantity, location);
  });
  afterEach(async () => {
    const report = await callers[0]!("VerifyReservedCounters", {});
    assert.ok(report.ok);
    assert.deepEqual([report.body.driftedRecords, report.body.drifts], ["0", []], "no reserved counter drifted");
  });
  after(async () => {
    closeClients?.();
    await db?.end();
    await svc?.stop();
  });

  it("refuses bad rules with the field and the reason, and nothing is saved", async () => {
    const unknown = await rules(svc, "PutRoutingRule", { rule: rule("web-eu", [["AMS", 0], ["NOWHERE", 0]], { channel: "web", region: "eu" }) });
    assert.ok(!unknown.ok);
    assert.equal(unknown.code, "invalid_argument");
    assert.equal(unknown.detail?.code, "ROUTING_RULE.UNKNOWN_WAREHOUSE");
    assert.deepEqual(unknown.detail?.fieldViolations, [{ field: "warehouses[1].location_id", reason: 'unknown warehouse "NOWHERE": no stock record of any SKU is at this location' }]);

    const bad = await rules(svc, "PutRoutingRule", { rule: rule("web-eu", [["AMS", -1]], { split: "SPLIT_POLICY_ALLOWED", maxLocations: 0 }) });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.detail?.fieldViolations?.map((v: { field: string }) => v.field), ["warehouses[0].safety_stock", "max_locations"]);

    const viewer = await rules(svc, "PutRoutingRule", { rule: rule("web-eu", [["AMS", 0]]) }, VIEWER_TOKEN);
    assert.equal(viewer.ok ? "ok" : viewer.code, "permission_denied");
    const listed = await rules(svc, "ListRoutingRules", {}, VIEWER_TOKEN);
    assert.deepEqual(listed.ok && (listed.body.rules ?? []), []);
  });

  it("saves rules, refuses a conflicting one, guards edits by version, and audits each change", async () => {
    const saved = await rules(svc, "PutRoutingRule", {
      rule: rule("web-eu", [["AMS", 2], ["FRA", 0], ["MAD", 0]], { channel: "web", region: "eu", split: "SPLIT_POLICY_ALLOWED", maxLocations: 2 }),
      expectedVersion: 0,
      reason: "EU web orders from EU warehouses",
    });
    assert.ok(saved.ok, JSON.stringify(saved));
    assert.equal(saved.body.rule.version, 1);
    const conflict = await rules(svc, "PutRoutingRule", { rule: rule("web-eu-2", [["NYC", 0]], { channel: "web", region: "eu" }) });
    assert.ok(!conflict.ok);
    assert.equal(conflict.code, "already_exists");
    assert.equal(conflict.detail?.code, "ROUTING_RULE.CONFLICT");
    assert.equal(conflict.detail?.fieldViolations?.[0]?.field, "priority");
    assert.match(conflict.detail?.fieldViolations?.[0]?.reason ?? "", /rule "web-eu" already has priority 0/);
    const stale = await rules(svc, "PutRoutingRule", { rule: rule("web-eu", [["AMS", 0]], { channel: "web", region: "eu" }), expectedVersion: 0 });
    assert.equal(stale.ok ? "ok" : stale.detail?.code, "ROUTING_RULE.VERSION_MISMATCH");

    const cli = await invsync(svc, "rules", "put", "any", "--priority", "5", "--warehouse", "NYC", "--split", "never", "--reason", "fallback");
    assert.equal(cli.code, 0, cli.err);
    assert.equal(cli.out.rule.ruleId, "any");
    const listed = await invsync(svc, "rules", "list", "--channel", "web", "--region", "eu");
    assert.deepEqual(listed.out.rules.map((r: { ruleId: string }) => r.ruleId), ["web-eu", "any"]);

    const audit = await db.query(`SELECT action, actor, reason FROM audit_log WHERE action LIKE 'routing_rule%' ORDER BY id`);
    assert.deepEqual(audit.rows, [
      { action: "routing_rule_put", actor: "test-operator", reason: "EU web orders from EU warehouses" },
      { action: "routing_rule_put", actor: "test-operator", reason: "fallback" },
    ]);
  });

  it("many clients at once never take more than on_hand − reserved − safety stock, split as allowed, and name the rule", async () => {
    // web/eu: AMS (10 − 2 safety), FRA 10, MAD 10, split up to 2: 28 usable; NYC only through "any".
    const results = await Promise.all(callers.map((call, c) => reserve(call, "ROUTE-1", 3, `route-${c}`, { channel: "web", region: "eu" })));
    const accepted = results.filter((r) => r.ok).map((r) => (r as { body: any }).body);
    const refused = results.filter((r): r is Extract<CallResult, { ok: false }> => !r.ok);
    assert.ok(refused.every((r) => r.detail?.code === "RESERVATION.INSUFFICIENT_STOCK"), JSON.stringify(refused.find((r) => r.detail?.code !== "RESERVATION.INSUFFICIENT_STOCK")));
    const byRecord = new Map<string, number>();
    for (const body of accepted) {
      for (const part of body.parts) {
        byRecord.set(part.locationId, (byRecord.get(part.locationId) ?? 0) + Number(part.quantity));
        assert.equal(part.routingRuleId, part.locationId === "NYC" ? "any" : "web-eu");
      }
      assert.ok(body.parts.length <= 2);
      assert.equal(body.parts.reduce((sum: number, p: { quantity: string }) => sum + Number(p.quantity), 0), 3);
    }
    assert.ok((byRecord.get("AMS") ?? 0) <= 8, "AMS keeps its safety stock of 2");
    assert.equal((byRecord.get("AMS") ?? 0) + (byRecord.get("FRA") ?? 0) + (byRecord.get("MAD") ?? 0), 27, "9 of 3 fit in 28 under web-eu");
    assert.equal(accepted.length, CLIENTS, "the rest went to NYC under the fallback rule");
    const recs = await records("ROUTE-1");
    for (const r of recs) assert.equal(r.reserved, byRecord.get(r.location_id) ?? 0);
    for (const r of recs) assert.ok(r.reserved <= r.on_hand);
  });

  it("splits a request across the fewest warehouses, replays it whole, and explains a refusal", async () => {
    for (const [location, quantity] of [["AMS", 5], ["FRA", 4], ["MAD", 6]] as const) await count("ROUTE-2", quantity, location);
    const first = await reserve(callers[0]!, "ROUTE-2", 9, "route-2-split", { channel: "web", region: "eu" });
    assert.ok(first.ok, JSON.stringify(first));
    // usable: AMS 3 (safety 2), FRA 4, MAD 6: no one covers 9; AMS + FRA (7) cannot, AMS + MAD can.
    assert.deepEqual(first.body.parts.map((p: any) => [p.locationId, p.quantity]), [["AMS", "3"], ["MAD", "6"]]);
    assert.equal(first.body.parts[0].splitGroupId, first.body.reservation.reservationId);
    const again = await reserve(callers[1]!, "ROUTE-2", 9, "route-2-split", { channel: "web", region: "eu" });
    assert.ok(again.ok);
    assert.equal(again.body.replayed, true);
    assert.deepEqual(again.body.parts.map((p: any) => p.reservationId), first.body.parts.map((p: any) => p.reservationId));

    await rules(svc, "DeleteRoutingRule", { ruleId: "any", reason: "test" });
    const refused = await reserve(callers[2]!, "ROUTE-2", 5, "route-2-refused", { channel: "web", region: "eu" });
    assert.ok(!refused.ok);
    assert.equal(refused.detail?.code, "RESERVATION.INSUFFICIENT_STOCK");
    assert.equal(refused.detail?.metadata?.routing_rules, "web-eu");
    assert.equal(refused.detail?.metadata?.available, "4", "only FRA has any left after safety stock");
    const considered = JSON.parse(refused.detail!.metadata!.considered!);
    assert.deepEqual(considered[0].warehouses.map((w: any) => [w.location_id, w.on_hand, w.reserved, w.safety_stock, w.usable]), [
      ["AMS", 5, 3, 2, 0],
      ["FRA", 4, 0, 0, 4],
      ["MAD", 6, 6, 0, 0],
    ]);
    assert.match(refused.message, /rule "web-eu" \(split up to 2\): AMS 0 usable \(on_hand 5, reserved 3, safety 2\)/);

    const plain = await reserve(callers[3]!, "ROUTE-2", 2, "route-2-plain");
    assert.ok(plain.ok, "a request with no channel or region and no catch-all rule follows the default rule");
    assert.deepEqual([plain.body.reservation.locationId, plain.body.reservation.routingRuleId], ["FRA", ""], "most available: FRA 4, no safety stock without a rule");
  });
});
