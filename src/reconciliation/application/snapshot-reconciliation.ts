import type { Clock } from "../../shared/clock.js";
import { FailedPreconditionError, isInventorySyncError, NotFoundError, ValidationError, type FieldViolation } from "../../shared/errors.js";
import type { IdGenerator } from "../../shared/ids.js";
import { idPage, idPageRequest } from "../../shared/paging.js";
import type { UnitOfWork } from "../../shared/unit-of-work.js";
import type { Actor } from "../domain/audit-entry.js";
import { decideMismatches, summariseRun } from "../domain/record-comparison.js";
import { checkSnapshotLines, instantProblem, type SnapshotLine } from "../domain/snapshot-count.js";
import type { Tolerance } from "../domain/tolerance.js";
import { applyAutoResolutions, type AutoResolutionStores } from "./auto-resolution.js";
import type { ReconciliationObserver } from "./reconciliation-observer.port.js";
import type { NewRun, ReconciliationRun, SnapshotSourceKind } from "./reconciliation-run.js";
import type { DiscrepancyStore, RunStore } from "./reconciliation-store.port.js";

/** Settings of {@link SnapshotReconciliation}. */
export interface ReconciliationSettings {
  readonly tolerance: Tolerance;
  /** As for WMS counts: a snapshot line observed less than this after a local shipment still includes it. */
  readonly shipmentSettleMs: number;
  readonly maxFutureSkewMs: number;
  /** Most lines per page. */
  readonly maxPageLines: number;
}

/** Port: refuses work while WMS ingestion is paused (comparing then would judge stock against a feed that stopped). */
export interface IngestionGate {
  assertRunning(): Promise<void>;
}

/** One page of a snapshot from a file or the WMS. */
export interface SnapshotPage {
  readonly takenAt: Date;
  readonly lines: readonly SnapshotLine[];
}

/** What describes a snapshot before its lines arrive. */
export type SnapshotHeader = Pick<NewRun, "wmsId" | "snapshotRef" | "complete"> & { readonly source: SnapshotSourceKind };

const WMS_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Use case: reconciliation runs. A snapshot is staged in pages (API, file or pull), then compared
 * with stock in sets in ONE transaction: mismatches within tolerance are auto-resolved through the
 * domain, the others are opened for review (or refreshed), and open ones whose records now match
 * are resolved. Comparisons are serialised across replicas; while ingestion is paused none runs.
 */
export class SnapshotReconciliation {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stores: AutoResolutionStores & { readonly runs: RunStore; readonly discrepancies: DiscrepancyStore },
    private readonly gate: IngestionGate,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly settings: ReconciliationSettings,
    private readonly observer: ReconciliationObserver,
  ) {}

  /** Opens a run that receives its snapshot through {@link addCounts}. */
  async begin(header: SnapshotHeader, takenAt: Date | undefined, actor: Actor): Promise<ReconciliationRun> {
    const violations = headerViolations(header);
    const problem = takenAt ? instantProblem(takenAt, { now: this.clock.now(), maxFutureSkewMs: this.settings.maxFutureSkewMs }) : "is required";
    if (problem) violations.push({ field: "taken_at", reason: problem });
    if (violations.length > 0 || !takenAt) throw new ValidationError("RECONCILIATION.INVALID_SNAPSHOT", violations);
    return (await this.stores.runs.create({ ...header, takenAt, requestedBy: actor.name, scheduledFor: undefined }))!;
  }

  /** Stages one page of lines; returns the distinct records staged so far. */
  async addCounts(runId: number, lines: readonly SnapshotLine[]): Promise<number> {
    const run = await this.receiving(runId);
    this.checkPageSize(lines.length);
    const counts = this.checked(lines, run.takenAt, 0);
    const staged = await this.stores.runs.addLines(run.id, counts);
    if (staged === undefined) throw notReceiving(run.id);
    return staged;
  }

  /** Compares the staged snapshot; `expectedLines` (0 = unchecked) guards against a lost page. */
  async complete(runId: number, expectedLines: number): Promise<ReconciliationRun> {
    const run = await this.receiving(runId);
    if (expectedLines !== 0 && expectedLines !== run.lines) {
      throw new FailedPreconditionError("RECONCILIATION.LINES_MISSING", `run ${run.id} holds ${run.lines} records, not the expected ${expectedLines}: send the missing pages, then complete again`);
    }
    await this.gate.assertRunning();
    return this.compare(run);
  }

  /**
   * Runs a whole snapshot from `pages` (a file or the WMS): stages every page, then compares. A bad
   * line fails the run (nothing is compared). Undefined when `scheduledFor` names a day another
   * replica already claimed.
   */
  async runPages(header: SnapshotHeader, pages: AsyncIterable<SnapshotPage>, actor: Actor, scheduledFor?: string): Promise<ReconciliationRun | undefined> {
    await this.gate.assertRunning();
    let run: ReconciliationRun | undefined;
    let index = 0;
    try {
      for await (const page of pages) {
        run ??= await this.stores.runs.create({ ...header, takenAt: page.takenAt, requestedBy: actor.name, scheduledFor });
        if (!run) return undefined;
        const counts = this.checked(page.lines, page.takenAt, index);
        index += page.lines.length;
        if ((await this.stores.runs.addLines(run.id, counts)) === undefined) throw notReceiving(run.id);
      }
    } catch (error) {
      if (run) await this.fail(run, error);
      throw error;
    }
    if (!run) throw new FailedPreconditionError("RECONCILIATION.EMPTY_SNAPSHOT", `the snapshot ${header.snapshotRef} has no lines; nothing was compared`);
    return this.compare(run);
  }

  /** One run; `RECONCILIATION.RUN_NOT_FOUND` when unknown. */
  async get(runId: number): Promise<ReconciliationRun> {
    const run = await this.stores.runs.get(runId);
    if (!run) throw new NotFoundError("RECONCILIATION.RUN_NOT_FOUND", `no reconciliation run ${runId}`);
    return run;
  }

  /** Whether the scheduled run of `day` is claimed (running or done, by any replica; a failed one frees the day). */
  dayClaimed(day: string): Promise<boolean> {
    return this.stores.runs.dayClaimed(day);
  }

  /** When the latest completed run finished, whichever replica ran it; undefined when none ever completed. */
  lastCompletedAt(): Promise<Date | undefined> {
    return this.stores.runs.lastCompletedAt();
  }

  /** One page of runs, newest first. */
  async list(pageSize: number, pageToken: string): Promise<{ readonly runs: readonly ReconciliationRun[]; readonly nextPageToken: string }> {
    const violations: FieldViolation[] = [];
    const page = idPageRequest(pageSize, pageToken, { default: 50, max: 1000 }, violations);
    if (violations.length > 0) throw new ValidationError("RECONCILIATION.INVALID_LIST_REQUEST", violations);
    const { items, nextPageToken } = idPage(await this.stores.runs.list(page.after, page.size + 1), page.size);
    return { runs: items, nextPageToken };
  }

  private async compare(run: ReconciliationRun): Promise<ReconciliationRun> {
    const started = this.clock.now().getTime();
    try {
      const { completed, result, closed } = await this.unitOfWork.run(async (tx) => {
        const locked = await this.stores.runs.lockForComparison(tx, run.id);
        if (!locked) throw notReceiving(run.id);
        const comparison = await this.stores.runs.compare(tx, locked, this.settings.shipmentSettleMs);
        const decision = decideMismatches(comparison.mismatches, this.settings.tolerance);
        const at = this.clock.now();
        const auto = await applyAutoResolutions(tx, this.stores, this.ids, run.id, decision.autoResolve, at);
        const opened = await this.stores.discrepancies.recordOpen(tx, run.id, decision.open, at);
        const differing = [...comparison.mismatches, ...comparison.inFlight];
        const cleared = await this.stores.discrepancies.clearMatched(tx, run.id, differing, at);
        const outcome = { autoResolved: auto.applied, movedOn: auto.movedOn, opened, cleared: cleared.length, shortfalls: auto.shortfalls };
        const result = summariseRun(comparison, { ...outcome, durationMs: this.clock.now().getTime() - started });
        const done = await this.stores.runs.complete(tx, run.id, result, this.clock.now());
        return { completed: done, result, closed: { auto: auto.closed, cleared } };
      });
      const at = this.clock.now();
      this.observer.discrepanciesClosed(closed.auto, "auto", at);
      this.observer.discrepanciesClosed(closed.cleared, "snapshot", at);
      this.observer.runCompleted(completed, result);
      return completed;
    } catch (error) {
      await this.fail(run, error);
      throw error;
    }
  }

  private async fail(run: ReconciliationRun, error: unknown): Promise<void> {
    if (isInventorySyncError(error) && error.code === "RECONCILIATION.RUN_NOT_RECEIVING") return;
    const reason = isInventorySyncError(error) ? error.message : "internal error while comparing (see the service log)";
    // The run's own failure is what the caller sees; a failure to record it (database down) must not hide it.
    await this.stores.runs.fail(run.id, reason, this.clock.now()).catch(() => undefined);
    this.observer.runFailed(run, reason);
  }

  private async receiving(runId: number): Promise<ReconciliationRun> {
    const run = await this.get(runId);
    if (run.status !== "receiving") throw notReceiving(run.id, run.status);
    return run;
  }

  private checkPageSize(lines: number): void {
    if (lines === 0 || lines > this.settings.maxPageLines) {
      throw new ValidationError("RECONCILIATION.INVALID_SNAPSHOT", [{ field: "counts", reason: `must hold 1 to ${this.settings.maxPageLines} lines, got ${lines}` }]);
    }
  }

  private checked(lines: readonly SnapshotLine[], takenAt: Date, firstIndex: number) {
    const { counts, violations } = checkSnapshotLines(lines, { takenAt, now: this.clock.now(), maxFutureSkewMs: this.settings.maxFutureSkewMs }, firstIndex);
    if (violations.length > 0) throw new ValidationError("RECONCILIATION.INVALID_SNAPSHOT", violations);
    return counts;
  }
}

function headerViolations(header: SnapshotHeader): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (!WMS_ID.test(header.wmsId)) violations.push({ field: "wms_id", reason: "is required: 1 to 64 letters, digits, '.', '_' or '-'" });
  if (header.snapshotRef.length > 128) violations.push({ field: "snapshot_ref", reason: "must be at most 128 characters" });
  return violations;
}

function notReceiving(runId: number, status = "finished"): FailedPreconditionError {
  return new FailedPreconditionError("RECONCILIATION.RUN_NOT_RECEIVING", `reconciliation run ${runId} is ${status}, not receiving; begin a new snapshot`);
}

