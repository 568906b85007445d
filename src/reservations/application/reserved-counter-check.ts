import type { ReservationObserver } from "./reservation-observer.port.js";
import type { ReservedCounterAudit, ReservedCounterReport } from "./reserved-counter-audit.port.js";

/** How many drifted records a report lists. */
export const DRIFT_SAMPLE_SIZE = 100;

/**
 * Use case: the drift check. `reserved` must equal the sum of the record's active reservations for
 * every stock record; this compares all of them in one set-based query and reports the result to
 * the caller and to the observer (the `invsync_reserved_drift_skus` gauge).
 */
export class ReservedCounterCheck {
  constructor(
    private readonly audit: ReservedCounterAudit,
    private readonly observer: ReservationObserver = {},
  ) {}

  /** Runs the check now. */
  async verify(): Promise<ReservedCounterReport> {
    const report = await this.audit.verify(DRIFT_SAMPLE_SIZE);
    this.observer.driftChecked?.(report);
    return report;
  }
}
