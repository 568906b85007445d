import type { ReservationStatus } from "../domain/reservation.js";
import type { ReservedCounterReport } from "./reserved-counter-audit.port.js";

/** What a ReserveStock request came to. */
export type ReserveOutcome = "reserved" | "replayed" | "insufficient_stock";

/** Told about reservation outcomes (metrics); every hook optional. */
export interface ReservationObserver {
  /** A ReserveStock request was answered. */
  reserveAnswered?(outcome: ReserveOutcome): void;
  /** `count` reservations stopped holding stock with `status`. */
  closed?(status: Exclude<ReservationStatus, "active">, count: number): void;
  /** The drift check ran. */
  driftChecked?(report: ReservedCounterReport): void;
}
