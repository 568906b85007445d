import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import type { Actor } from "../domain/audit-entry.js";
import type { DiscrepancyStore } from "./reconciliation-store.port.js";
import type { ReconciliationObserver } from "./reconciliation-observer.port.js";
import type { SnapshotHeader, SnapshotReconciliation } from "./snapshot-reconciliation.js";
import type { SnapshotFeed } from "./snapshot-sources.port.js";

/** The actor of scheduled runs. */
export const SCHEDULE_ACTOR: Actor = { name: "system:schedule", role: "system" };

/**
 * The daily reconciliation: once a day, at `dailyAtMinute` (minutes after midnight UTC) or at the
 * first tick after it (a service that was down catches up), pull a snapshot and run it. The day is
 * claimed in the database (one run per day, whichever replica gets there first), so several
 * replicas never run it twice. While ingestion is paused it waits; the next tick tries again.
 */
export class DailyReconciliation {
  constructor(
    private readonly runs: SnapshotReconciliation,
    private readonly feed: SnapshotFeed | undefined,
    private readonly discrepancies: DiscrepancyStore,
    private readonly observer: ReconciliationObserver,
    private readonly clock: Clock,
    private readonly dailyAtMinute: number | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * One tick: refreshes the open-discrepancy and last-run gauges (from the database, so every
   * replica reports the same after a restart), and runs today's reconciliation when it is due.
   */
  async tick(): Promise<void> {
    const [open, lastCompleted] = await Promise.all([this.discrepancies.countOpen(), this.runs.lastCompletedAt()]);
    this.observer.openCounted(open);
    if (lastCompleted) this.observer.lastCompletedSeen(lastCompleted);
    if (!this.feed || this.dailyAtMinute === undefined) return;
    const now = this.clock.now();
    if (now.getUTCHours() * 60 + now.getUTCMinutes() < this.dailyAtMinute) return;
    const day = now.toISOString().slice(0, 10);
    // Asked before the snapshot is pulled, so replicas that tick after the day is claimed cost the
    // WMS nothing (two that tick at once may both pull the first page; one claims the day).
    if (await this.runs.dayClaimed(day)) return;
    const header: SnapshotHeader = { source: "pull", wmsId: this.feed.defaultWmsId, snapshotRef: `daily ${day}`, complete: false };
    const run = await this.runs.runPages(header, this.feed.pages(this.feed.defaultWmsId), SCHEDULE_ACTOR, day);
    if (run) this.logger.info({ runId: run.id, day, ...run.result }, "daily reconciliation finished");
  }
}
