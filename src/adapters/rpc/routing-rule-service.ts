import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { SplitPolicy, type RoutingRule as RoutingRuleMessage, type RoutingRuleSchema } from "../../../gen/invsync/inventory/v1/routing_rule_pb.js";
import type { RoutingRuleService } from "../../../gen/invsync/inventory/v1/routing_rule_service_pb.js";
import type { AuditTrail } from "../../reconciliation/application/audit-trail.js";
import type { RoutingRuleAdmin } from "../../reservations/application/routing-rule-admin.js";
import type { RoutingRule, RoutingRuleInput } from "../../reservations/domain/routing-rule.js";
import type { Clock } from "../../shared/clock.js";
import { actorKey, requestIdKey } from "./service-guard.js";

/**
 * `invsync.inventory.v1.RoutingRuleService`: converts messages to use-case inputs and results back;
 * every change (put, delete) is appended to the audit log with the operator, the rule before and
 * after, the reason and the request id. A refused change changed nothing and is not recorded.
 */
export function routingRuleService(admin: RoutingRuleAdmin, audit: AuditTrail, clock: Clock): ServiceImpl<typeof RoutingRuleService> {
  const record = async (context: HandlerContext, action: "routing_rule_put" | "routing_rule_deleted", reason: string, before: RoutingRule | undefined, after: RoutingRule | undefined) => {
    const actor = context.values.get(actorKey) ?? { name: "unknown", role: "operator" as const };
    await audit.record({
      actor,
      action,
      ...(before ? { before: ruleJson(before) } : {}),
      ...(after ? { after: ruleJson(after) } : {}),
      reason,
      note: "",
      requestId: context.values.get(requestIdKey),
      details: { rule_id: (after ?? before)!.ruleId },
      at: clock.now(),
    });
  };
  return {
    async putRoutingRule(request, context) {
      const actor = context.values.get(actorKey)?.name ?? "unknown";
      const input = ruleInput(request.rule);
      const before = input.ruleId === "" ? undefined : await admin.get(input.ruleId).catch(() => undefined);
      const saved = await admin.put(input, request.expectedVersion, actor);
      await record(context, "routing_rule_put", request.reason, before, saved);
      return { rule: toRuleMessage(saved) };
    },
    async deleteRoutingRule(request, context) {
      const deleted = await admin.delete(request.ruleId);
      await record(context, "routing_rule_deleted", request.reason, deleted, undefined);
      return { rule: toRuleMessage(deleted) };
    },
    async getRoutingRule(request) {
      return { rule: toRuleMessage(await admin.get(request.ruleId)) };
    },
    async listRoutingRules(request) {
      return { rules: (await admin.list(request.channel, request.region)).map(toRuleMessage) };
    },
  };
}

/** A rule message as the use case's input; numbers out of range are left for validation to refuse. */
function ruleInput(rule: RoutingRuleMessage | undefined): RoutingRuleInput {
  return {
    ruleId: rule?.ruleId ?? "",
    channel: rule?.channel ?? "",
    region: rule?.region ?? "",
    priority: rule?.priority ?? 0,
    warehouses: (rule?.warehouses ?? []).map((w) => ({ locationId: w.locationId, safetyStock: Number(w.safetyStock) })),
    split: rule?.split === SplitPolicy.NEVER ? "never" : rule?.split === SplitPolicy.ALLOWED ? "allowed" : "unspecified",
    maxLocations: rule?.maxLocations ?? 0,
    description: rule?.description ?? "",
  };
}

/** A rule as its `invsync.inventory.v1.RoutingRule` message. */
export function toRuleMessage(rule: RoutingRule): MessageInitShape<typeof RoutingRuleSchema> {
  return {
    ruleId: rule.ruleId,
    channel: rule.channel,
    region: rule.region,
    priority: rule.priority,
    warehouses: rule.warehouses.map((w) => ({ locationId: w.locationId, safetyStock: BigInt(w.safetyStock) })),
    split: rule.maxLocations === 1 ? SplitPolicy.NEVER : SplitPolicy.ALLOWED,
    maxLocations: rule.maxLocations,
    description: rule.description,
    version: rule.version,
    updatedAt: timestampFromDate(rule.updatedAt),
    updatedBy: rule.updatedBy,
  };
}

function ruleJson(rule: RoutingRule): Record<string, unknown> {
  return {
    channel: rule.channel,
    region: rule.region,
    priority: rule.priority,
    warehouses: rule.warehouses.map((w) => ({ location_id: w.locationId, safety_stock: w.safetyStock })),
    max_locations: rule.maxLocations,
    description: rule.description,
    version: rule.version,
  };
}
