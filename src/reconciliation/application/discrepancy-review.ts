import type { Clock } from "../../shared/clock.js";
import { FailedPreconditionError, NotFoundError, ValidationError, type FieldViolation } from "../../shared/errors.js";
import { idPage, idPageRequest } from "../../shared/paging.js";
import type { Transaction, UnitOfWork } from "../../shared/unit-of-work.js";
import { skuProblem } from "../../inventory/domain/sku.js";
import type { Actor } from "../domain/audit-entry.js";
import { RESOLUTIONS, type Discrepancy } from "../domain/discrepancy.js";
import { checkNote } from "../domain/stock-override.js";
import type { AuditLog } from "./audit-log.port.js";
import type { ReconciliationObserver } from "./reconciliation-observer.port.js";
import type { Closing, DiscrepancyFilter, DiscrepancyStore } from "./reconciliation-store.port.js";
import type { StockOverrides } from "./stock-overrides.js";

/** How an operator closes a count mismatch. */
export type ReviewDecision = "accept_wms_count" | "keep_ours" | "dismiss";

/** The closed discrepancy, and the event when stock changed. */
export interface ReviewOutcome {
  readonly discrepancy: Discrepancy;
  /** The `StockOverridden` event when the WMS count was accepted; empty otherwise. */
  readonly eventId: string;
}

/** One page of discrepancies. */
export interface DiscrepancyPage {
  readonly discrepancies: readonly Discrepancy[];
  readonly nextPageToken: string;
}

const PAGE_SIZE = { default: 100, max: 1000 } as const;

/**
 * Use case: operators review open count mismatches. Accepting the WMS count changes stock through
 * the override path (compare-and-set against the on_hand the run found: `Aborted` if stock moved
 * since); keeping ours or dismissing changes no stock. Each decision writes an audit entry in the
 * same transaction. Shortfalls are not decided here: stock resolves them (a count, a release).
 */
export class DiscrepancyReview {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly discrepancies: DiscrepancyStore,
    private readonly overrides: StockOverrides,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly observer: ReconciliationObserver,
  ) {}

  /** Closes discrepancy `id` as `decision` says. */
  async decide(id: number, decision: ReviewDecision, note: string, actor: Actor, requestId: string): Promise<ReviewOutcome> {
    const noteProblem = checkNote(note);
    if (noteProblem) throw new ValidationError("RECONCILIATION.INVALID_DECISION", [noteProblem]);
    const found = await this.openMismatch(id);
    const outcome = await this.unitOfWork.run(async (tx) => {
      if (decision === "accept_wms_count") {
        const override = await this.overrides.decide(
          tx,
          {
            sku: found.sku,
            locationId: found.locationId,
            countedOnHand: found.theirs,
            expectedOnHand: found.ours,
            reason: "WMS_COUNT_ACCEPTED",
            note: note.trim(),
            discrepancyId: found.id,
            resolution: RESOLUTIONS.wmsCountAccepted,
            action: "discrepancy_resolved",
          },
          actor,
          requestId,
        );
        if (!override.closed.some((c) => c.id === id)) throw superseded(id);
        return { discrepancy: (await this.discrepancies.lock(tx, id))!, eventId: override.eventId };
      }
      return { discrepancy: await this.closeWithoutStock(tx, id, decision, note.trim(), actor, requestId), eventId: "" };
    });
    this.observer.discrepanciesClosed([outcome.discrepancy], "operator", this.clock.now());
    return outcome;
  }

  /** One page of discrepancies, newest first. */
  async list(filter: DiscrepancyFilter, pageSize: number, pageToken: string): Promise<DiscrepancyPage> {
    const violations: FieldViolation[] = [];
    const page = idPageRequest(pageSize, pageToken, PAGE_SIZE, violations);
    const skuError = filter.sku === undefined ? undefined : skuProblem(filter.sku);
    if (skuError) violations.push({ field: "sku", reason: skuError });
    if (violations.length > 0) throw new ValidationError("RECONCILIATION.INVALID_LIST_REQUEST", violations);
    const { items, nextPageToken } = idPage(await this.discrepancies.list(filter, page.after, page.size + 1), page.size);
    return { discrepancies: items, nextPageToken };
  }

  private async closeWithoutStock(tx: Transaction, id: number, decision: "keep_ours" | "dismiss", note: string, actor: Actor, requestId: string): Promise<Discrepancy> {
    const open = await this.discrepancies.lock(tx, id);
    if (!open || open.status !== "open") throw superseded(id);
    const closing: Closing =
      decision === "dismiss"
        ? { status: "dismissed", resolution: RESOLUTIONS.dismissed, resolvedBy: actor.name, note, at: this.clock.now() }
        : { status: "resolved", resolution: RESOLUTIONS.keptOurs, resolvedBy: actor.name, note, at: this.clock.now() };
    const closed = await this.discrepancies.close(tx, id, closing);
    await this.audit.append(tx, [
      {
        actor,
        action: decision === "dismiss" ? "discrepancy_dismissed" : "discrepancy_resolved",
        sku: open.sku,
        locationId: open.locationId,
        before: { status: open.status, ours: open.ours, theirs: open.theirs },
        after: { status: closed.status, resolution: closed.resolution },
        reason: closing.resolution,
        note,
        requestId,
        details: { discrepancyId: id, runId: open.runId, stockVersion: open.stockVersion },
        at: closing.at,
      },
    ]);
    return closed;
  }

  private async openMismatch(id: number): Promise<Discrepancy> {
    const found = await this.discrepancies.get(id);
    if (!found) throw new NotFoundError("RECONCILIATION.DISCREPANCY_NOT_FOUND", `no discrepancy ${id}`);
    if (found.kind !== "count_mismatch") {
      throw new FailedPreconditionError("RECONCILIATION.NOT_REVIEWABLE", `discrepancy ${id} is a shortfall: stock resolves it (a count showing enough, or releasing reservations)`);
    }
    if (found.status !== "open") throw superseded(id, found.status);
    return found;
  }
}

function superseded(id: number, status = "closed"): FailedPreconditionError {
  return new FailedPreconditionError("RECONCILIATION.DISCREPANCY_CLOSED", `discrepancy ${id} is ${status}, no longer open; list the open ones again`);
}
