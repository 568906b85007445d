import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ComparisonTrigger, FlagRole, type CohortTallySchema, type ComparisonSchema, type PathCountSchema } from "../../../gen/invsync/migration/v1/cohort_pb.js";
import type { MigrationService } from "../../../gen/invsync/migration/v1/migration_service_pb.js";
import { GateName, GateStatus, ScorecardWindow, type PathScoreSchema } from "../../../gen/invsync/migration/v1/scorecard_pb.js";
import type { MigrationScorecard, PathScore, ScorecardWindowName } from "../../migration/application/migration-scorecard.js";
import { discrepancyShare, oversellPerThousand } from "../../migration/domain/scorecard-gates.js";
import type { StoredComparison } from "../../migration/application/comparison-store.port.js";
import type { CohortStatusQuery } from "../../migration/application/cohort-status.js";
import type { ShadowComparator } from "../../migration/application/shadow-comparator.js";
import type { IngestionPath } from "../../migration/domain/ingestion-path.js";
import { mismatchRate, type CohortTally } from "../../migration/domain/shadow-comparison.js";
import { PATHS } from "../messaging/route-codec.js";
import { ValidationError } from "../../shared/errors.js";

const ROLES = { cohort: FlagRole.COHORT, shadow: FlagRole.SHADOW, kill_switch: FlagRole.KILL_SWITCH } as const;
const TRIGGERS = { legacy_run: ComparisonTrigger.LEGACY_RUN, on_demand: ComparisonTrigger.ON_DEMAND } as const;
const WINDOWS: Partial<Record<ScorecardWindow, ScorecardWindowName>> = {
  [ScorecardWindow.LAST_24H]: "last_24h",
  [ScorecardWindow.LAST_7D]: "last_7d",
  [ScorecardWindow.SINCE_CUTOVER]: "since_cutover",
};
const GATE_NAMES = { freshness: GateName.FRESHNESS, oversell: GateName.OVERSELL, discrepancy: GateName.DISCREPANCY } as const;
const GATE_STATUSES = { pass: GateStatus.PASS, fail: GateStatus.FAIL, no_baseline_yet: GateStatus.NO_BASELINE_YET, no_data: GateStatus.NO_DATA } as const;

/** `invsync.migration.v1.MigrationService`: cohort status, shadow comparison on demand, mismatch listing. */
export function migrationService(status: CohortStatusQuery, comparator: ShadowComparator, scorecard: MigrationScorecard): ServiceImpl<typeof MigrationService> {
  return {
    async getScorecard(request) {
      const window = request.window === ScorecardWindow.UNSPECIFIED ? undefined : WINDOWS[request.window];
      if (request.window !== ScorecardWindow.UNSPECIFIED && window === undefined) {
        throw new ValidationError("MIGRATION.INVALID_SCORECARD_REQUEST", [{ field: "window", reason: `is not a known window (${request.window})` }]);
      }
      const card = await scorecard.scorecard({
        window,
        from: request.from ? timestampDate(request.from) : undefined,
        to: request.to ? timestampDate(request.to) : undefined,
        cohort: request.cohort,
      });
      return {
        from: timestampFromDate(card.window.from),
        to: timestampFromDate(card.window.to),
        paths: card.paths.map(pathScore),
        cohorts: card.cohorts.map((c) => ({ cohort: c.cohort, paths: c.paths.map(pathScore) })),
        gates: card.gates.map((g) => ({ name: GATE_NAMES[g.name], status: GATE_STATUSES[g.status], observed: g.observed, threshold: g.threshold, detail: g.detail })),
        latestLegacyRunId: card.latestLegacyRun?.runId ?? "",
        latestLegacyRunAt: card.latestLegacyRun ? timestampFromDate(card.latestLegacyRun.finishedAt) : undefined,
      };
    },
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

function pathScore(p: PathScore): MessageInitShape<typeof PathScoreSchema> {
  const f = p.freshness;
  const duration = (ms: number | undefined) => (ms === undefined ? undefined : durationFromMs(Math.round(ms)));
  return {
    path: PATHS[p.path],
    skus: BigInt(p.skus),
    freshness: { samples: BigInt(f.samples), median: duration(f.medianMs), p95: duration(f.p95Ms), p99: duration(f.p99Ms), pending: BigInt(f.pending) },
    oversell: {
      reservations: BigInt(p.oversell.reservations),
      foundShort: BigInt(p.oversell.foundShort),
      refusedAtFulfilment: BigInt(p.oversell.refusedAtFulfilment),
      perThousand: oversellPerThousand(p.oversell),
    },
    discrepancy: p.discrepancy && {
      reconciliationRunId: p.discrepancy.runId,
      skusCompared: BigInt(p.discrepancy.skusCompared),
      skusWithDiscrepancy: BigInt(p.discrepancy.skusWithDiscrepancy),
      rate: discrepancyShare(p.discrepancy),
    },
    shadowMismatch: p.shadowMismatch && {
      comparisonId: p.shadowMismatch.comparisonId,
      compared: BigInt(p.shadowMismatch.compared),
      mismatched: BigInt(p.shadowMismatch.mismatched),
      rate: p.shadowMismatch.compared === 0 ? 0 : p.shadowMismatch.mismatched / p.shadowMismatch.compared,
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
