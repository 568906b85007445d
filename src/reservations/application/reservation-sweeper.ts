import type { Clock } from "../../shared/clock.js";
import type { UnitOfWork } from "../../shared/unit-of-work.js";
import { closeReservations, type ReservationStores } from "./close-reservations.js";
import type { ReservationObserver } from "./reservation-observer.port.js";

/**
 * Use case: release reservations whose expiry has passed, in sets of `batchSize` (one transaction
 * each), emitting `ReservationExpired` for each. Safe with several replicas running it at once: each
 * set is taken with SKIP LOCKED, so a reservation is expired exactly once and sweepers never wait
 * for each other's sets.
 */
export class ReservationSweeper {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stores: ReservationStores,
    private readonly clock: Clock,
    private readonly batchSize: number,
    private readonly observer: ReservationObserver = {},
  ) {}

  /** Expires every reservation due now, set by set; returns how many it expired. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.unitOfWork.run(async (tx) => {
        const now = this.clock.now();
        const due = await this.stores.reservations.lockExpired(tx, now, this.batchSize);
        await closeReservations(tx, this.stores, due.map((reservation) => ({ reservation, to: "expired" as const })), now);
        return due.length;
      });
      if (expired > 0) this.observer.closed?.("expired", expired);
      total += expired;
      if (expired < this.batchSize) return total;
    }
  }
}
