import type { Transaction } from "../../shared/unit-of-work.js";
import type { RoutingRule, RoutingRuleSpec } from "../domain/routing-rule.js";

/** What saving a rule found when it could not save it. */
export type RuleSaveConflict =
  /** The rule exists at another version than the caller expected (or does not exist when it expected one). */
  | { readonly kind: "version_mismatch"; readonly currentVersion: number }
  /** Another rule already has this channel, region and priority. */
  | { readonly kind: "priority_taken"; readonly otherRuleId: string };

/** Port: the operators' routing rules (the `routing_rules` table). */
export interface RoutingRuleStore {
  /** The rules whose scope covers `channel` and `region` (a rule's empty channel or region covers any), read in `tx`. */
  applicable(tx: Transaction, channel: string, region: string): Promise<RoutingRule[]>;
  /** Every rule, by channel, region, priority. */
  list(): Promise<RoutingRule[]>;
  get(ruleId: string): Promise<RoutingRule | undefined>;
  /**
   * Creates the rule (`expectedVersion` 0) or replaces it at `expectedVersion` (undefined: whatever
   * its version), raising its version by one; returns the rule saved, or the conflict that stopped it.
   */
  put(spec: RoutingRuleSpec, expectedVersion: number | undefined, actor: string, at: Date): Promise<RoutingRule | RuleSaveConflict>;
  /** Deletes the rule; the deleted rule, or undefined when there was none. */
  delete(ruleId: string): Promise<RoutingRule | undefined>;
  /** Those of `locationIds` that hold no stock record of any SKU (unknown warehouses). */
  unknownLocations(locationIds: readonly string[]): Promise<string[]>;
}
