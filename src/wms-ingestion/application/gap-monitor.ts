import { soleProcessLease, type Lease } from "../../shared/lease.port.js";
import type { Logger } from "../../shared/logger.js";
import type { WmsPull } from "./wms-pull.js";

/** A range of one source's sequence numbers that never arrived. */
export interface SequenceGap {
  readonly wmsId: string;
  readonly firstMissing: bigint;
  /** Inclusive. */
  readonly lastMissing: bigint;
}

/** Port: finds gaps in the sequences the inbox holds (every status counts as arrived). */
export interface SequenceGaps {
  /** Every gap (of `wmsId` only, when given), by wms_id then first sequence, at most `limit`. */
  find(wmsId: string | undefined, limit: number): Promise<SequenceGap[]>;
}

/** Largest number of gaps healed per check, so one bad source cannot stall the rest. */
const MAX_HEALS_PER_CHECK = 20;

/**
 * Use case: find sequence gaps per source, report them (API and metric), and heal each with a pull
 * of exactly the missing range when a WMS pull endpoint is configured. Every replica reports; only
 * the holder of `healLease` heals, so with several replicas a range is pulled once.
 */
export class GapMonitor {
  constructor(
    private readonly gaps: SequenceGaps,
    private readonly pull: WmsPull,
    private readonly observe: (gaps: readonly SequenceGap[]) => void,
    private readonly logger: Logger,
    private readonly healLease: Lease = soleProcessLease,
  ) {}

  /** The current gaps (of `wmsId` only, when given). */
  list(wmsId: string | undefined): Promise<SequenceGap[]> {
    return this.gaps.find(wmsId, 1000);
  }

  /** Finds the gaps, reports them, heals what it can; returns the gaps found before healing. */
  async check(): Promise<SequenceGap[]> {
    const found = await this.gaps.find(undefined, 1000);
    this.observe(found);
    if (!this.pull.configured || found.length === 0 || !(await this.healLease.acquire())) return found;
    for (const gap of found.slice(0, MAX_HEALS_PER_CHECK)) {
      const range = { wmsId: gap.wmsId, first: gap.firstMissing.toString(), last: gap.lastMissing.toString() };
      try {
        const tally = await this.pull.pullRange({ wmsId: gap.wmsId, afterSequence: gap.firstMissing - 1n, toSequence: gap.lastMissing });
        this.logger.info({ ...range, ...tally }, "sequence gap: pulled the missing range");
      } catch (error) {
        this.logger.warn({ ...range, err: String(error) }, "sequence gap: pulling the missing range failed; will retry");
      }
    }
    return found;
  }
}
