import type { InboxRouting, SkuRouter } from "../../migration/application/sku-router.port.js";
import type { Clock } from "../../shared/clock.js";
import { ValidationError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import type { UnitOfWork } from "../../shared/unit-of-work.js";
import type { Inbox } from "./inbox.port.js";
import { tallyBySource, wmsIdOf, type SourceTally } from "./source-tally.js";
import type { BatchResult, MappedUpdate, WmsBatch } from "./wms-batch.js";

/** Limits of {@link WmsBatchIngestion}. */
export interface IngestionLimits {
  /** Largest number of updates in one batch. */
  readonly maxBatchUpdates: number;
}

/** Told about every applied batch (metrics). */
export interface IngestionObserver {
  /** `batch` was applied with `result`; `sources` counts its updates per WMS source and outcome. */
  batchApplied(schemaVersion: string, result: BatchResult, sources: readonly SourceTally[]): void;
}

/** Port: anything that takes a mapped WMS batch (the use case below, or a wrapper of it). */
export interface BatchIngestor {
  /** Applies `batch` and says what became of each update. */
  ingest(batch: WmsBatch): Promise<BatchResult>;
}

/**
 * Use case: take a mapped WMS batch into the inbox and route its valid counts, then its movements
 * (`SkuRouter`: legacy, shadow or new path), all in one transaction. Duplicates (same wms_id and
 * sequence) are acknowledged and change nothing; stale updates are kept in the inbox as `stale`;
 * rejected ones (by the ACL, or a movement the domain refused) as `rejected` with their reason.
 */
export class WmsBatchIngestion implements BatchIngestor {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly inbox: Inbox,
    private readonly router: SkuRouter,
    private readonly clock: Clock,
    private readonly limits: IngestionLimits,
    private readonly logger: Logger,
    private readonly observer: IngestionObserver = { batchApplied: () => undefined },
  ) {}

  /** Applies `batch`; throws `WMS.BATCH_TOO_LARGE` when it exceeds the batch limit. */
  async ingest(batch: WmsBatch): Promise<BatchResult> {
    assertWithinLimit(batch.updates.length, this.limits.maxBatchUpdates);
    const counts = batch.updates.filter((u): u is Extract<MappedUpdate, { kind: "count" }> => u.kind === "count");
    const moves = batch.updates.filter((u): u is Extract<MappedUpdate, { kind: "movement" }> => u.kind === "movement");
    const rejected = batch.updates.filter((u): u is Extract<MappedUpdate, { kind: "rejected" }> => u.kind === "rejected");

    const plan = this.router.plan(counts.map((u) => u.count), moves.map((u) => u.movement));
    const routing = new Map<number, InboxRouting>([
      ...counts.map((u): [number, InboxRouting] => [u.index, plan.ofCount(u.count)]),
      ...moves.map((u): [number, InboxRouting] => [u.index, plan.ofMovement(u.movement)]),
    ]);
    const tally = await this.unitOfWork.run(async (tx) => {
      const { stored } = await this.inbox.record(tx, batch, this.clock.now(), routing);
      const fresh = counts.filter((u) => stored.has(u.index));
      const freshMoves = moves.filter((u) => stored.has(u.index));
      // Legacy is handed each update as received: worked out only for updates it is handed.
      const received = (index: number) => {
        const payload = batch.received && routing.get(index)!.status !== "applied" ? batch.received.payload(index) : undefined;
        return payload ? { received: payload } : undefined;
      };
      const routed = await this.router.routeSkus(
        tx,
        plan,
        fresh.map((u) => ({ inboxId: stored.get(u.index)!, count: u.count, ...received(u.index) })),
        freshMoves.map((u) => ({ inboxId: stored.get(u.index)!, movement: u.movement, ...received(u.index) })),
      );
      const outcomes = routed.counts;
      const moveOutcomes = routed.movements;
      const staleUpdates = [
        ...fresh.filter((_, i) => outcomes[i]?.kind === "stale"),
        ...freshMoves.filter((_, i) => moveOutcomes[i]?.kind === "stale"),
      ];
      const staleIds = staleUpdates.map((u) => stored.get(u.index)!);
      await this.inbox.markStale(tx, staleIds);
      const refused = freshMoves.flatMap((u, i) => {
        const outcome = moveOutcomes[i];
        return outcome?.kind === "refused" ? [{ index: u.index, id: stored.get(u.index)!, rejection: outcome }] : [];
      });
      await this.inbox.markRefused(tx, refused.map(({ id, rejection: { field, code, reason } }) => ({ id, rejection: { field, code, reason } })));
      const arrived = fresh.length + freshMoves.length;
      return {
        accepted: arrived - staleIds.length - refused.length,
        stale: staleIds.length,
        duplicate: counts.length + moves.length - arrived,
        refused: refused.map(({ index, rejection: { field, code, reason } }) => ({ index, field, code, reason })),
        arrived: stored,
        staleIndexes: new Set(staleUpdates.map((u) => u.index)),
      };
    });

    const { refused, arrived, staleIndexes, ...counted } = tally;
    const result: BatchResult = {
      batchId: batch.batchId,
      ...counted,
      rejected: rejected.length + refused.length,
      rejections: [...rejected.map((u) => ({ index: u.index, ...u.rejection })), ...refused].sort((a, b) => a.index - b.index),
    };
    const refusedIndexes = new Set(refused.map((r) => r.index));
    const sources = tallyBySource(batch, (u) =>
      u.kind === "rejected" || refusedIndexes.has(u.index) ? "rejected" : !arrived.has(u.index) ? "duplicate" : staleIndexes.has(u.index) ? "stale" : "accepted",
    );
    this.log(batch, result, sources);
    this.observer.batchApplied(batch.schemaVersion, result, sources);
    return result;
  }

  /** One line per batch (its sources, size and outcome counts), one per rejected update (what it said, why). */
  private log(batch: WmsBatch, result: BatchResult, sources: readonly SourceTally[]): void {
    const { rejections, ...counts } = result;
    const wmsIds = sources.map((source) => source.wmsId);
    this.logger.info({ ...counts, wmsIds, schemaVersion: batch.schemaVersion, size: batch.updates.length }, "wms batch applied");
    if (rejections.length === 0) return;
    const byIndex = new Map(batch.updates.map((u) => [u.index, u]));
    for (const rejection of rejections) {
      const update = byIndex.get(rejection.index);
      this.logger.warn({ batchId: batch.batchId, ...(update ? describeUpdate(update) : {}), ...rejection }, "wms update rejected");
    }
  }
}

/** What a log line says of an update: its source, sequence, SKU and quantity or deltas. */
function describeUpdate(update: MappedUpdate): Record<string, unknown> {
  if (update.kind === "count") {
    const { origin, sku, locationId, quantity } = update.count;
    return { wmsId: origin.wmsId, sequence: origin.sequence.toString(), sku, locationId, quantity };
  }
  if (update.kind === "movement") {
    const { origin, sku, kind, legs } = update.movement;
    return { wmsId: origin.wmsId, sequence: origin.sequence.toString(), sku, movement: kind, deltas: legs.map((leg) => leg.delta) };
  }
  const { identity } = update;
  return { wmsId: wmsIdOf(update), sequence: identity.sequence?.toString(), sku: identity.sku, quantity: identity.quantity };
}

function assertWithinLimit(size: number, limit: number): void {
  if (size > limit) {
    throw new ValidationError("WMS.BATCH_TOO_LARGE", [
      { field: "updates", reason: `at most ${limit} updates per batch, got ${size}; split the batch` },
    ]);
  }
}
