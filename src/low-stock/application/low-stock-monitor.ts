import type { Clock } from "../../shared/clock.js";
import type { IdGenerator } from "../../shared/ids.js";
import type { Lease } from "../../shared/lease.port.js";
import type { Logger } from "../../shared/logger.js";
import { PeriodicTask } from "../../shared/periodic-task.js";
import type { UnitOfWork } from "../../shared/unit-of-work.js";
import { observeChange, reassess, type DepletionEstimate } from "../domain/depletion-estimate.js";
import type { LowStockAlert } from "../domain/low-stock-alert.js";
import type { LowStockPolicy } from "../domain/low-stock-policy.js";
import type { StockRecordKey } from "../domain/stock-change.js";
import type { DepletionEstimates, LowStockAlertOutbox } from "./depletion-estimates.port.js";
import type { StockChangeFeed, StockChangeRead } from "./stock-change-feed.port.js";

/** Tuning of the monitor. */
export interface LowStockMonitorOptions {
  /** Most feed messages applied in one transaction. */
  readonly batchSize: number;
  /** Pause between rounds when the feed had nothing new (and the wait for a standby replica to try the lease again). */
  readonly pollMs: number;
  /** How long one read waits for the feed's next message. */
  readonly waitMs: number;
  /** How often records running low are looked at again without a change (their rate decays: demand eased). */
  readonly sweepEveryMs: number;
}

/** Hooks for metrics; every one optional. */
export interface LowStockObserver {
  /** `changes` stock changes were applied, the feed read up to `position`. */
  applied?(changes: number, position: number): void;
  /** Alerts committed (raised or cleared). */
  alerted?(alerts: readonly LowStockAlert[]): void;
}

/** Records looked at per transaction of a sweep. */
const SWEEP_PAGE = 500;

/**
 * Predictive low-stock alerts: on the one replica holding `lease`, reads the committed stock changes
 * from the feed (the event stream, from the position kept with the estimates), applies each to its
 * record's depletion estimate, and in one transaction per batch saves the estimates, moves the
 * position and appends the alerts they raise or clear to the outbox, so a change is applied once and
 * an alert is never lost. Every `sweepEveryMs` it looks again at the records running low, which clear
 * once their rate has decayed far enough (nothing moved). A replica that takes the lease over goes on
 * from the position saved: the rates survive a restart.
 */
export class LowStockMonitor {
  private readonly task: PeriodicTask;
  private stopped = false;
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  private checkedEnd = false;

  constructor(
    private readonly feed: StockChangeFeed,
    private readonly estimates: DepletionEstimates,
    private readonly alerts: LowStockAlertOutbox,
    private readonly unitOfWork: UnitOfWork,
    private readonly lease: Lease,
    private readonly policy: LowStockPolicy,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly logger: Logger,
    private readonly options: LowStockMonitorOptions,
    private readonly observer: LowStockObserver = {},
  ) {
    this.task = new PeriodicTask("low-stock monitor", options.pollMs, () => this.round(), logger);
  }

  /** Starts in the background (the first round at once). */
  start(): void {
    this.stopped = false;
    this.task.start();
  }

  /** Stops after the batch in progress, gives the lease up and closes the feed. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
    await this.lease.release().catch(() => undefined);
    await this.feed.close().catch(() => undefined);
  }

  /**
   * One round: while this process holds the lease, applies batch after batch until the feed has
   * nothing new, then sweeps when a sweep is due. Returns the stock changes applied.
   */
  async round(): Promise<number> {
    let applied = 0;
    if (this.stopped || !(await this.lease.acquire())) return 0;
    let position = await this.startingPosition();
    // The next batch is read while the one before is applied (the feed and the database each take
    // about half of a batch's time); after a failure the read ahead is dropped and the next round
    // starts again from the saved position.
    let next = this.feed.read(position, this.options.batchSize, this.options.waitMs);
    try {
      for (;;) {
        const read = await next;
        if (read.position === position) break;
        next = this.feed.read(read.position, this.options.batchSize, this.options.waitMs);
        applied += await this.apply(position, read);
        position = read.position;
        await this.sweepIfDue();
        if (this.stopped || !(await this.lease.acquire())) break;
      }
    } finally {
      next.catch(() => undefined);
    }
    if (!this.stopped && (await this.lease.acquire())) await this.sweepIfDue();
    return applied;
  }

  /**
   * Looks at every record running low at the clock's now and clears those whose estimate has gone
   * past the horizon × clear factor. Returns the alerts cleared.
   */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let after: StockRecordKey | undefined;
    let cleared = 0;
    for (;;) {
      const page = await this.unitOfWork.run(async (tx) => {
        const running = await this.estimates.runningLow(tx, SWEEP_PAGE, after);
        const changed: DepletionEstimate[] = [];
        const alerts: LowStockAlert[] = [];
        for (const estimate of running) {
          const check = reassess(estimate, now, this.policy, this.ids);
          if (!check.alert) continue;
          changed.push(check.estimate);
          alerts.push(check.alert);
        }
        await this.alerts.append(tx, alerts);
        await this.estimates.save(tx, changed);
        return { running, alerts };
      });
      this.report(page.alerts);
      cleared += page.alerts.length;
      if (page.running.length < SWEEP_PAGE) break;
      after = page.running.at(-1);
    }
    this.lastSweepMs = now.getTime();
    return cleared;
  }

  /** The saved position; once per lease, put back to 0 when the stream ends before it (recreated). */
  private async startingPosition(): Promise<number> {
    const position = await this.estimates.position();
    if (this.checkedEnd) return position;
    const end = await this.feed.end();
    if (end === undefined) return position;
    this.checkedEnd = true;
    if (end >= position) return position;
    this.logger.warn({ position, streamEnd: end }, "the event stream ends before the low-stock estimator's position (was it recreated?): reading it again from its start");
    await this.unitOfWork.run((tx) => this.estimates.save(tx, [], { from: position, to: 0 }));
    return 0;
  }

  private async apply(position: number, read: StockChangeRead): Promise<number> {
    const raised = await this.unitOfWork.run(async (tx) => {
      const keys = uniqueKeys(read.changes);
      const current = new Map((await this.estimates.lock(tx, keys)).map((e) => [recordKey(e), e] as const));
      const touched = new Set<string>();
      const alerts: LowStockAlert[] = [];
      for (const change of read.changes) {
        const key = recordKey(change);
        const before = current.get(key);
        const step = observeChange(before, change, this.policy, this.ids);
        if (step.estimate === before) continue;
        current.set(key, step.estimate);
        touched.add(key);
        if (step.alert) alerts.push(step.alert);
      }
      await this.alerts.append(tx, alerts);
      await this.estimates.save(tx, [...touched].map((key) => current.get(key)!), { from: position, to: read.position });
      return alerts;
    });
    this.observer.applied?.(read.changes.length, read.position);
    this.report(raised);
    return read.changes.length;
  }

  private async sweepIfDue(): Promise<void> {
    if (this.clock.now().getTime() - this.lastSweepMs >= this.options.sweepEveryMs) await this.sweep();
  }

  private report(alerts: readonly LowStockAlert[]): void {
    if (alerts.length === 0) return;
    this.observer.alerted?.(alerts);
    for (const alert of alerts) {
      this.logger.info(
        { sku: alert.sku, locationId: alert.locationId, available: alert.available, ratePerHour: Number(alert.ratePerHour.toFixed(3)), expectedStockoutAt: alert.expectedStockoutAt?.toISOString(), stockVersion: alert.stockVersion },
        alert.type === "StockRunningLow" ? "stock running low" : `stock no longer running low (${alert.reason})`,
      );
    }
  }
}

/** A record's key as one string (SKUs and locations never hold a NUL). */
export function recordKey(key: StockRecordKey): string {
  return `${key.sku}\u0000${key.locationId}`;
}

function uniqueKeys(keys: readonly StockRecordKey[]): StockRecordKey[] {
  const seen = new Map<string, StockRecordKey>();
  for (const key of keys) seen.set(recordKey(key), { sku: key.sku, locationId: key.locationId });
  return [...seen.values()];
}
