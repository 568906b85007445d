import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLAG_NAMES } from "./routed-stack.js";

/** Cohorts to write into a bootstrap file: percentages (shared group id, so they nest) and explicit SKU lists. */
export interface CohortPlan {
  readonly newPercent?: number;
  readonly shadowPercent?: number;
  readonly newSkus?: readonly string[];
  readonly shadowSkus?: readonly string[];
  readonly killSwitch?: boolean;
}

/** The group id both rollouts share, so the new cohort is always inside the shadow rollout. */
export const COHORT_GROUP = "invsync-sku-cohort";

/** Unleash strategies for a rollout percentage plus an explicit SKU list (constraint on `sku`). */
export function cohortStrategies(percent: number, skus: readonly string[]) {
  const strategies: object[] = [];
  if (percent > 0) strategies.push({ name: "flexibleRollout", parameters: { rollout: String(percent), stickiness: "sku", groupId: COHORT_GROUP }, constraints: [] });
  if (skus.length > 0) {
    strategies.push({ name: "default", parameters: {}, constraints: [{ contextName: "sku", operator: "IN", values: [...skus], caseInsensitive: false, inverted: false }] });
  }
  return strategies;
}

/** Bootstrap files in a temporary folder, in the format of `flags/*.json`. */
export class FlagFiles {
  private readonly dir = mkdtempSync(join(tmpdir(), "invsync-flags-"));
  private written = 0;

  /** Writes a bootstrap file for `plan` and returns its path. */
  write(plan: CohortPlan): string {
    const feature = (name: string, strategies: object[]) => ({ name, enabled: strategies.length > 0, strategies, variants: [] });
    const features = [
      feature(FLAG_NAMES.cohort, cohortStrategies(plan.newPercent ?? 0, plan.newSkus ?? [])),
      feature(FLAG_NAMES.shadow, cohortStrategies(plan.shadowPercent ?? 0, plan.shadowSkus ?? [])),
      feature(FLAG_NAMES.killSwitch, plan.killSwitch ? [{ name: "default", parameters: {}, constraints: [] }] : []),
    ];
    const file = join(this.dir, `flags-${++this.written}.json`);
    writeFileSync(file, JSON.stringify({ version: 2, features }));
    return file;
  }

  /** Deletes the folder. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
