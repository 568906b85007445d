import type { StockRecordKey } from "../../inventory/application/stock-repository.port.js";
import { stockKey } from "../../inventory/domain/stock-level.js";
import type { FlagStates } from "../domain/ingestion-path.js";
import { decideRoute, type RoutingFlagNames } from "../domain/route-decision.js";
import type { FeatureFlags } from "./feature-flags.port.js";
import type { RecordDecision } from "./route-ledger.port.js";

/**
 * One routing decision per stock record, from flags evaluated locally (the flag client's cache; no
 * network call per SKU). Anything that cannot be evaluated is legacy.
 */
export function decideRecords(flags: FeatureFlags, flagNames: RoutingFlagNames, records: Iterable<StockRecordKey>): Map<string, RecordDecision> {
  const source = flags.status().source;
  const decisions = new Map<string, RecordDecision>();
  for (const { sku, locationId } of records) {
    const key = stockKey(sku, locationId);
    if (decisions.has(key)) continue;
    decisions.set(key, { sku, locationId, decision: decideRoute(flagStates(flags, flagNames, sku, locationId), flagNames, source) });
  }
  return decisions;
}

function flagStates(flags: FeatureFlags, flagNames: RoutingFlagNames, sku: string, location: string): FlagStates | undefined {
  const context = { sku, location };
  try {
    const killSwitch = flags.isEnabled(flagNames.killSwitch, context);
    const cohort = flags.isEnabled(flagNames.cohort, context);
    const shadow = flags.isEnabled(flagNames.shadow, context);
    if (killSwitch === undefined || cohort === undefined || shadow === undefined) return undefined;
    return { killSwitch, cohort, shadow };
  } catch {
    return undefined;
  }
}
