import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import { asLocationId, locationIdProblem, type LocationId } from "../../inventory/domain/location-id.js";

/** Most warehouses one rule may list. */
export const MAX_RULE_WAREHOUSES = 64;
/** Largest priority number (lower numbers are tried first). */
export const MAX_RULE_PRIORITY = 1_000_000;
/** Largest safety stock per warehouse. */
export const MAX_SAFETY_STOCK = 1_000_000_000;

/** One warehouse a rule may take stock from, and what it holds back there. */
export interface RuleWarehouse {
  readonly locationId: LocationId;
  /** Units held back from `available` at this warehouse when this rule chooses; never negative. */
  readonly safetyStock: number;
}

/**
 * An operator's routing rule: for reservations of a sales channel and/or region that name no
 * location, which warehouses may serve them (in order of preference), what each holds back, and
 * across how many of them one reservation may be split (`maxLocations` 1 = never split).
 */
export interface RoutingRule {
  /** The operator's name for the rule (`web-eu`), unique. */
  readonly ruleId: string;
  /** The sales channel it applies to; empty: every channel. */
  readonly channel: string;
  /** The region it applies to; empty: every region. */
  readonly region: string;
  /** Among rules of the same channel and region, lower is tried first; unique per channel and region. */
  readonly priority: number;
  /** Eligible warehouses, most preferred first; at least one, each once. */
  readonly warehouses: readonly RuleWarehouse[];
  /** Most locations one reservation may be split across: 1 never splits. */
  readonly maxLocations: number;
  /** What the rule is for, in the operator's words. */
  readonly description: string;
  /** Starts at 1; rises by one with every change (optimistic concurrency for edits). */
  readonly version: number;
  readonly updatedAt: Date;
  /** The operator who last changed it. */
  readonly updatedBy: string;
}

/** A rule as an operator sends it, before validation. */
export interface RoutingRuleInput {
  readonly ruleId: string;
  readonly channel: string;
  readonly region: string;
  readonly priority: number;
  readonly warehouses: ReadonlyArray<{ readonly locationId: string; readonly safetyStock: number }>;
  /** `never`: one location; `allowed`: up to `maxLocations`. */
  readonly split: "never" | "allowed" | "unspecified";
  readonly maxLocations: number;
  readonly description: string;
}

/** The validated content of a rule (what {@link parseRoutingRule} returns). */
export type RoutingRuleSpec = Omit<RoutingRule, "version" | "updatedAt" | "updatedBy">;

const RULE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SCOPE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Why `value` is not a rule id, or undefined. */
export function ruleIdProblem(value: string): string | undefined {
  if (value === "") return "is required";
  return RULE_ID_PATTERN.test(value) ? undefined : "must be 1 to 64 letters, digits, '.', '_' or '-'";
}

/** Why `value` is not a channel or region (empty = any is fine), or undefined. */
export function scopeProblem(value: string): string | undefined {
  if (value === "") return undefined;
  return SCOPE_PATTERN.test(value) ? undefined : "must be empty (any) or 1 to 64 letters, digits, '.', '_' or '-'";
}

/**
 * Validates an operator's rule; throws `ROUTING_RULE.INVALID` naming every bad field (negative
 * safety stock, a split of fewer than one location, a warehouse listed twice …). Whether the
 * warehouses exist and whether the rule conflicts with another are checked against the database.
 */
export function parseRoutingRule(input: RoutingRuleInput): RoutingRuleSpec {
  const violations: FieldViolation[] = [];
  const add = (field: string, reason: string | undefined): void => {
    if (reason !== undefined) violations.push({ field, reason });
  };
  add("rule_id", ruleIdProblem(input.ruleId));
  add("channel", scopeProblem(input.channel));
  add("region", scopeProblem(input.region));
  if (!Number.isSafeInteger(input.priority) || input.priority < 0 || input.priority > MAX_RULE_PRIORITY) {
    add("priority", `must be a whole number from 0 to ${MAX_RULE_PRIORITY}, got ${input.priority}`);
  }
  if (input.warehouses.length === 0) add("warehouses", "must list at least one warehouse");
  if (input.warehouses.length > MAX_RULE_WAREHOUSES) add("warehouses", `must list at most ${MAX_RULE_WAREHOUSES} warehouses, got ${input.warehouses.length}`);
  const seen = new Set<string>();
  input.warehouses.forEach((warehouse, i) => {
    const locationIssue = warehouse.locationId === "" ? "is required" : locationIdProblem(warehouse.locationId);
    add(`warehouses[${i}].location_id`, locationIssue);
    if (!locationIssue && seen.has(warehouse.locationId)) add(`warehouses[${i}].location_id`, `"${warehouse.locationId}" is listed twice`);
    seen.add(warehouse.locationId);
    const safety = warehouse.safetyStock;
    if (!Number.isSafeInteger(safety) || safety < 0 || safety > MAX_SAFETY_STOCK) {
      add(`warehouses[${i}].safety_stock`, `must be a whole number from 0 to ${MAX_SAFETY_STOCK}, got ${safety}`);
    }
  });
  let maxLocations = 1;
  if (input.split === "unspecified") add("split", "is required: never, or allowed with max_locations");
  if (input.split === "never" && input.maxLocations !== 0 && input.maxLocations !== 1) {
    add("max_locations", `must be 0 or 1 when split is never, got ${input.maxLocations}`);
  }
  if (input.split === "allowed") {
    if (!Number.isSafeInteger(input.maxLocations) || input.maxLocations < 1 || input.maxLocations > MAX_RULE_WAREHOUSES) {
      add("max_locations", `must be a whole number from 1 to ${MAX_RULE_WAREHOUSES} when split is allowed, got ${input.maxLocations}`);
    } else {
      maxLocations = input.maxLocations;
    }
  }
  if (input.description.length > 500) add("description", `must be at most 500 characters, got ${input.description.length}`);
  if (/[\u0000-\u001f\u007f]/.test(input.description)) add("description", "must not contain control characters");
  if (violations.length > 0) throw new ValidationError("ROUTING_RULE.INVALID", violations);
  return {
    ruleId: input.ruleId,
    channel: input.channel,
    region: input.region,
    priority: input.priority,
    warehouses: input.warehouses.map((w) => ({ locationId: asLocationId(w.locationId), safetyStock: w.safetyStock })),
    maxLocations,
    description: input.description,
  };
}

/** How specific a rule's scope is: channel and region 3, channel 2, region 1, neither 0. */
export function specificity(rule: Pick<RoutingRule, "channel" | "region">): number {
  return (rule.channel !== "" ? 2 : 0) + (rule.region !== "" ? 1 : 0);
}

/**
 * The rules that apply to a request from `channel` in `region` (either may be empty), in the order
 * they are tried: the most specific scope first (channel and region, then channel, then region,
 * then neither), and within one scope by priority, lowest first.
 */
export function applicableRules(rules: readonly RoutingRule[], channel: string, region: string): RoutingRule[] {
  return rules
    .filter((rule) => (rule.channel === "" || rule.channel === channel) && (rule.region === "" || rule.region === region))
    .sort((a, b) => specificity(b) - specificity(a) || a.priority - b.priority || (a.ruleId < b.ruleId ? -1 : 1));
}
