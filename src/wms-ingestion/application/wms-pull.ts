import type { Logger } from "../../shared/logger.js";
import { FailedPreconditionError } from "../../shared/errors.js";
import { addResult, EMPTY_TALLY, type IngestionTally } from "./ingestion-tally.js";
import type { RawUpdate, WmsDecoder } from "./raw-update.js";
import type { BatchIngestor } from "./wms-batch-ingestion.js";
import type { WmsBatch } from "./wms-batch.js";

/** A range of one source's updates to ask the WMS for. */
export interface PullRange {
  readonly wmsId: string;
  /** Updates with a sequence above this one. */
  readonly afterSequence: bigint;
  /** Up to and including this sequence; undefined means up to the newest. */
  readonly toSequence?: bigint;
  /** Only updates recorded at or after this time. */
  readonly fromTime?: Date;
  /** Only updates recorded before this time. */
  readonly toTime?: Date;
}

/** Port: the WMS pull endpoint (the adapter retries with backoff before it gives up). */
export interface WmsFeed {
  /** The contract the endpoint speaks, for example `wms.v2`. */
  readonly schemaVersion: string;
  /** Up to `limit` updates of `range`, in ascending sequence order. */
  fetch(range: PullRange, limit: number): Promise<readonly RawUpdate[]>;
}

/** A source's pull cursor. */
export interface PullCursor {
  readonly wmsId: string;
  readonly lastSequence: bigint;
  readonly updatedAt: Date;
  readonly lastError: string;
}

/** Port: durable pull cursors, one per source. */
export interface PullCursors {
  /** The highest sequence pulled for `wmsId`; 0 when never pulled. */
  position(wmsId: string): Promise<bigint>;
  /** Moves the cursor of `wmsId` to `sequence` (never backwards) and clears its error. */
  advance(wmsId: string, sequence: bigint): Promise<void>;
  /** Records a failed pull. */
  failed(wmsId: string, error: string): Promise<void>;
  /** Every cursor, by wms_id. */
  list(): Promise<PullCursor[]>;
}

/**
 * Use case: pull updates from the WMS through the normal ingestion path, page by page: new updates
 * since each source's durable cursor, or a given range (backfill, gap healing) without moving it.
 */
export class WmsPull {
  constructor(
    private readonly feed: WmsFeed | undefined,
    private readonly cursors: PullCursors,
    private readonly decoder: WmsDecoder,
    private readonly ingestion: BatchIngestor,
    private readonly pageSize: number,
    private readonly logger: Logger,
  ) {}

  /** True when a WMS pull endpoint is configured. */
  get configured(): boolean {
    return this.feed !== undefined;
  }

  /** Pulls everything after the cursor of `wmsId`, moving the cursor after each page. */
  async pullNew(wmsId: string): Promise<IngestionTally> {
    const afterSequence = await this.cursors.position(wmsId);
    try {
      return await this.pages({ wmsId, afterSequence }, (last) => this.cursors.advance(wmsId, last));
    } catch (error) {
      await this.cursors.failed(wmsId, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      throw error;
    }
  }

  /** Pulls `range` (backfill or gap healing); the cursor stays where it is. */
  pullRange(range: PullRange): Promise<IngestionTally> {
    return this.pages(range, async () => undefined);
  }

  private async pages(range: PullRange, pageDone: (last: bigint) => Promise<void>): Promise<IngestionTally> {
    const feed = this.feed;
    if (!feed) throw new FailedPreconditionError("OPERATIONS.PULL_NOT_CONFIGURED", "no WMS pull endpoint is configured (set WMS_PULL_URL)");
    let tally = EMPTY_TALLY;
    let after = range.afterSequence;
    for (let page = 1; ; page++) {
      const raws = await feed.fetch({ ...range, afterSequence: after }, this.pageSize);
      if (raws.length === 0) break;
      const batch = this.decoder.mapRaw(feed.schemaVersion, `pull:${range.wmsId}:${after + 1n}`.slice(0, 128), raws);
      tally = addResult(tally, await this.ingestion.ingest(batch));
      const last = highestSequence(batch);
      if (last === undefined || last <= after) {
        this.logger.warn({ wmsId: range.wmsId, after: after.toString(), page }, "wms pull page did not move past the cursor; stopping");
        break;
      }
      after = last;
      await pageDone(last);
      if (raws.length < this.pageSize || (range.toSequence !== undefined && after >= range.toSequence)) break;
    }
    return tally;
  }
}

function highestSequence(batch: WmsBatch): bigint | undefined {
  let highest: bigint | undefined;
  for (const update of batch.updates) {
    const sequence =
      update.kind === "count" ? update.count.origin.sequence : update.kind === "movement" ? update.movement.origin.sequence : update.identity.sequence;
    if (sequence !== undefined && (highest === undefined || sequence > highest)) highest = sequence;
  }
  return highest;
}
