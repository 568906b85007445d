import { AbortedError, AlreadyExistsError, NotFoundError, ValidationError } from "../../shared/errors.js";
import type { Clock } from "../../shared/clock.js";
import { applicableRules, parseRoutingRule, ruleIdProblem, scopeProblem, type RoutingRule, type RoutingRuleInput } from "../domain/routing-rule.js";
import type { RoutingRuleStore } from "./routing-rule-store.port.js";

/**
 * Use cases on routing rules, for operators: put (create or replace), delete, get, list, and which
 * rules a channel and region would get. Bad input is refused whole, naming each field: a malformed
 * rule (`ROUTING_RULE.INVALID`), a warehouse with no stock record (`ROUTING_RULE.UNKNOWN_WAREHOUSE`),
 * a second rule for the same channel, region and priority (`ROUTING_RULE.CONFLICT`), an edit of a
 * version that is no longer current (`ROUTING_RULE.VERSION_MISMATCH`).
 */
export class RoutingRuleAdmin {
  constructor(
    private readonly store: RoutingRuleStore,
    private readonly clock: Clock,
  ) {}

  /** Creates or replaces a rule; `expectedVersion` 0 = must be new, undefined = any. */
  async put(input: RoutingRuleInput, expectedVersion: number | undefined, actor: string): Promise<RoutingRule> {
    const spec = parseRoutingRule(input);
    const unknown = new Set(await this.store.unknownLocations(spec.warehouses.map((w) => w.locationId)));
    if (unknown.size > 0) {
      const violations = spec.warehouses.flatMap((w, i) =>
        unknown.has(w.locationId) ? [{ field: `warehouses[${i}].location_id`, reason: `unknown warehouse "${w.locationId}": no stock record of any SKU is at this location` }] : [],
      );
      throw new ValidationError("ROUTING_RULE.UNKNOWN_WAREHOUSE", violations);
    }
    const saved = await this.store.put(spec, expectedVersion, actor, this.clock.now());
    if ("ruleId" in saved) return saved;
    if (saved.kind === "priority_taken") {
      const scope = `channel "${spec.channel || "*"}", region "${spec.region || "*"}"`;
      const reason = `rule "${saved.otherRuleId}" already has priority ${spec.priority} for ${scope}; two rules of one scope must not tie`;
      throw new AlreadyExistsError("ROUTING_RULE.CONFLICT", `routing rule conflicts: ${reason}`, {
        violations: [{ field: "priority", reason }],
        metadata: { rule_id: spec.ruleId, conflicting_rule_id: saved.otherRuleId },
      });
    }
    const state = saved.currentVersion === 0 ? "does not exist" : `is at version ${saved.currentVersion}`;
    throw new AbortedError("ROUTING_RULE.VERSION_MISMATCH", `routing rule "${spec.ruleId}" ${state}, not ${expectedVersion}; read it again and retry`, {
      rule_id: spec.ruleId,
      current_version: String(saved.currentVersion),
    });
  }

  /** Deletes a rule; `ROUTING_RULE.NOT_FOUND` when there is none. */
  async delete(ruleId: string): Promise<RoutingRule> {
    assertRuleId(ruleId);
    const deleted = await this.store.delete(ruleId);
    if (!deleted) throw notFound(ruleId);
    return deleted;
  }

  /** One rule; `ROUTING_RULE.NOT_FOUND` when there is none. */
  async get(ruleId: string): Promise<RoutingRule> {
    assertRuleId(ruleId);
    const rule = await this.store.get(ruleId);
    if (!rule) throw notFound(ruleId);
    return rule;
  }

  /** Every rule; with a channel or region, only the rules a request from there would get, in the order tried. */
  async list(channel: string, region: string): Promise<RoutingRule[]> {
    const violations = [
      ...(scopeProblem(channel) ? [{ field: "channel", reason: scopeProblem(channel)! }] : []),
      ...(scopeProblem(region) ? [{ field: "region", reason: scopeProblem(region)! }] : []),
    ];
    if (violations.length > 0) throw new ValidationError("ROUTING_RULE.INVALID", violations);
    const rules = await this.store.list();
    return channel === "" && region === "" ? rules : applicableRules(rules, channel, region);
  }
}

function assertRuleId(ruleId: string): void {
  const problem = ruleIdProblem(ruleId);
  if (problem) throw new ValidationError("ROUTING_RULE.INVALID", [{ field: "rule_id", reason: problem }]);
}

function notFound(ruleId: string): NotFoundError {
  return new NotFoundError("ROUTING_RULE.NOT_FOUND", `no routing rule "${ruleId}"`);
}
