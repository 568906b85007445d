import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ComparisonTrigger, FlagRole, type CohortTallySchema, type ComparisonSchema, type PathCountSchema } from "../../../gen/invsync/migration/v1/cohort_pb.js";
import type { MigrationService } from "../../../gen/invsync/migration/v1/migration_service_pb.js";
import type { StoredComparison } from "../../migration/application/comparison-store.port.js";
import type { CohortStatusQuery } from "../../migration/application/cohort-status.js";
import type { ShadowComparator } from "../../migration/application/shadow-comparator.js";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import { mismatchRate, type CohortTally } from "../../migration/domain/shadow-comparison.js";
import { PATHS } from "../messaging/route-codec.js";

const ROLES = { cohort: FlagRole.COHORT, shadow: FlagRole.SHADOW, kill_switch: FlagRole.KILL_SWITCH } as const;
const TRIGGERS = { legacy_run: ComparisonTrigger.LEGACY_RUN, on_demand: ComparisonTrigger.ON_DEMAND } as const;

/** `invsync.migration.v1.MigrationService`: cohort status, shadow comparison on demand, mismatch listing. */
export function migrationService(status: CohortStatusQuery, comparator: ShadowComparator): ServiceImpl<typeof MigrationService> {
  return {
    async getCohortStatus() {
      const s = await status.status();
      return {
        flags: { ready: s.flags.ready, source: s.flags.source, synchronized: s.flags.synchronized, lastError: s.flags.lastError ?? "" },
        paths: pathCounts(s.skusByPath),
        undecided: pathCounts(s.undecided),
        cohorts: s.cohorts.map((c) => ({
          name: c.name,
          role: ROLES[c.role],
          known: c.definition !== undefined,
          enabled: c.definition?.enabled ?? false,
          strategies: [...(c.definition?.strategies ?? [])],
          paths: pathCounts(c.skusByPath),
          latestComparison: c.latestComparison ? tally(c.latestComparison) : undefined,
        })),
        latestComparison: s.latestComparison ? comparison(s.latestComparison) : undefined,
      };
    },
    async compareShadow() {
      return { comparison: comparison(await comparator.compare("on_demand")) };
    },
    async listMismatches(request) {
      const page = await status.mismatches({ cohort: request.cohort, pageSize: request.pageSize, pageToken: request.pageToken });
      return {
        comparison: page.comparison ? comparison(page.comparison) : undefined,
        mismatches: page.mismatches.map((m) => ({
          sku: m.sku,
          locationId: m.locationId,
          cohort: m.cohort,
          shadowOnHand: BigInt(m.shadowOnHand),
          legacyOnHand: m.legacyOnHand === undefined ? undefined : BigInt(m.legacyOnHand),
          shadowWmsId: m.shadowWmsId ?? "",
          shadowSequence: m.shadowSequence ?? 0n,
        })),
        nextPageToken: page.nextPageToken,
      };
    },
  };
}

function pathCounts(counts: ReadonlyMap<IngestionPath, number>): Array<MessageInitShape<typeof PathCountSchema>> {
  return (["legacy", "shadow", "new"] as const).map((path) => ({ path: PATHS[path], skus: BigInt(counts.get(path) ?? 0) }));
}

function tally(t: CohortTally): MessageInitShape<typeof CohortTallySchema> {
  return { cohort: t.cohort, compared: BigInt(t.compared), mismatched: BigInt(t.mismatched), inFlight: BigInt(t.inFlight), mismatchRate: mismatchRate(t) };
}

function comparison(c: StoredComparison): MessageInitShape<typeof ComparisonSchema> {
  return {
    comparisonId: c.id,
    trigger: TRIGGERS[c.trigger],
    legacyRunId: c.legacyRunId ?? "",
    startedAt: timestampFromDate(c.startedAt),
    finishedAt: timestampFromDate(c.finishedAt),
    cohorts: c.tallies.map(tally),
  };
}
