import { ValidationError } from "../../shared/errors.js";
import type { IngestionPath } from "../domain/ingestion-path.js";
import type { RoutingFlagNames } from "../domain/route-decision.js";
import type { CohortTally, Mismatch } from "../domain/shadow-comparison.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import type { ComparisonStore, StoredComparison } from "./comparison-store.port.js";
import type { FeatureFlags, FlagDefinition, FlagsStatus } from "./feature-flags.port.js";

/** The role a flag plays in routing. */
export type FlagRole = "kill_switch" | "cohort" | "shadow";

/** One routing flag: what the client knows of it, the SKUs it put on each path, its latest comparison. */
export interface FlagCohort {
  readonly role: FlagRole;
  readonly name: string;
  /** Undefined when the flag client does not know the flag (it then counts as off). */
  readonly definition: FlagDefinition | undefined;
  readonly skusByPath: ReadonlyMap<IngestionPath, number>;
  /** This cohort's tally in the latest comparison (shadow flags only). */
  readonly latestComparison: CohortTally | undefined;
}

/** The migration at a glance: where the flags come from, SKUs per path and per flag, the latest comparison. */
export interface CohortStatus {
  readonly flags: FlagsStatus;
  readonly skusByPath: ReadonlyMap<IngestionPath, number>;
  /** SKUs no flag decided: on legacy by default, or because the flags could not be evaluated. */
  readonly undecided: ReadonlyMap<IngestionPath, number>;
  readonly cohorts: readonly FlagCohort[];
  readonly latestComparison: StoredComparison | undefined;
}

/** One page of mismatches. */
export interface MismatchPage {
  /** The comparison listed, when it is still the latest. */
  readonly comparison: StoredComparison | undefined;
  readonly mismatches: readonly Mismatch[];
  readonly nextPageToken: string;
}

/** Read side of the migration: cohort status and mismatch listings. */
export class CohortStatusQuery {
  constructor(
    private readonly flags: FeatureFlags,
    private readonly names: RoutingFlagNames,
    private readonly store: ComparisonStore,
  ) {}

  /** Status of every routing flag, SKUs per path and the latest shadow mismatch rates. */
  async status(): Promise<CohortStatus> {
    const [routes, skusByPath, latestComparison] = await Promise.all([this.store.routeCounts(), this.store.pathCounts(), this.store.latest()]);
    const byFlag = (flag: string): Map<IngestionPath, number> => new Map(routes.filter((r) => r.flag === flag).map((r) => [r.path, r.skus]));
    const roles: Array<[FlagRole, string]> = [["cohort", this.names.cohort], ["shadow", this.names.shadow], ["kill_switch", this.names.killSwitch]];
    return {
      flags: this.flags.status(),
      skusByPath,
      undecided: byFlag(""),
      cohorts: roles.map(([role, name]) => ({
        role,
        name,
        definition: this.flags.definition(name),
        skusByPath: byFlag(name),
        latestComparison: latestComparison?.tallies.find((t) => t.cohort === name),
      })),
      latestComparison,
    };
  }

  /** Mismatches of the latest comparison, optionally of one cohort, `pageSize` (1–1000, 0 = 100) at a time. */
  async mismatches(request: { cohort: string; pageSize: number; pageToken: string }): Promise<MismatchPage> {
    const pageSize = request.pageSize === 0 ? 100 : request.pageSize;
    const after = request.pageToken === "" ? undefined : decodeToken(request.pageToken);
    const violations = [];
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) violations.push({ field: "page_size", reason: "must be between 1 and 1000, or 0 for 100" });
    if (after === null) violations.push({ field: "page_token", reason: "is not a token this service issued" });
    if (violations.length > 0) throw new ValidationError("MIGRATION.INVALID_LIST_REQUEST", violations);
    const latest = await this.store.latest();
    const comparisonId = after ? after.comparisonId : latest?.id;
    if (comparisonId === undefined) return { comparison: undefined, mismatches: [], nextPageToken: "" };
    const cohort = request.cohort === "" ? undefined : request.cohort;
    const key = after ? { sku: asSku(after.sku), locationId: asLocationId(after.locationId) } : undefined;
    const rows = await this.store.mismatches(comparisonId, cohort, key, pageSize + 1);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    const nextPageToken = rows.length > pageSize && last ? encodeToken({ comparisonId, sku: last.sku, locationId: last.locationId }) : "";
    return { comparison: latest?.id === comparisonId ? latest : undefined, mismatches: page, nextPageToken };
  }
}

interface MismatchCursor {
  readonly comparisonId: string;
  readonly sku: string;
  readonly locationId: string;
}

function encodeToken(cursor: MismatchCursor): string {
  return Buffer.from(JSON.stringify([cursor.comparisonId, cursor.sku, cursor.locationId]), "utf8").toString("base64url");
}

function decodeToken(token: string): MismatchCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== 3) return null;
    const [comparisonId, sku, locationId] = parsed as unknown[];
    if (typeof comparisonId === "string" && typeof sku === "string" && typeof locationId === "string") return { comparisonId, sku, locationId };
    return null;
  } catch {
    return null;
  }
}
