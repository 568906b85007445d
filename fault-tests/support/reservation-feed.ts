import { seededRandom } from "../../bench/stats.js";
import { skuCode } from "../../bench/workload.js";

/** What the reservation clients did and what the service acknowledged. */
export interface ReservationTally {
  attempts: number;
  /** Reservations the service confirmed (id → quantity), whether later released or not. */
  readonly reserved: Map<string, number>;
  /** Reservations whose release the service confirmed. */
  readonly released: Set<string>;
  /** Business refusals (not enough stock, unknown SKU): answers, not failures. */
  refused: number;
  readonly unexpected: string[];
}

/**
 * Order services taking and releasing reservations on the hottest SKUs while the fault happens, as
 * careful clients do: every call carries its idempotency key and is retried until the service
 * answers, so a call lost with a killed process is neither lost nor applied twice.
 */
export class ReservationFeed {
  readonly tally: ReservationTally = { attempts: 0, reserved: new Map(), released: new Set(), refused: 0, unexpected: [] };
  private stopped = false;
  private readonly random: () => number;

  constructor(
    private readonly baseUrl: string,
    private readonly label: string,
    private readonly settings: { readonly clients: number; readonly hotSkus: number; readonly seed: number },
  ) {
    this.random = seededRandom(settings.seed);
  }

  /** Runs the clients until {@link stop}; resolves once each has finished its last call. */
  async run(): Promise<ReservationTally> {
    await Promise.all(Array.from({ length: this.settings.clients }, (_, c) => this.client(c)));
    return this.tally;
  }

  /** Asks the clients to stop after their current call. */
  stop(): void {
    this.stopped = true;
  }

  private async client(c: number): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const sku = skuCode(Math.floor(this.random() * this.settings.hotSkus));
      const key = `${this.label}-res-${c}-${n}`;
      const request = { sku, quantity: String(1 + Math.floor(this.random() * 3)), orderReference: `${this.label}-order-${c}-${n}`, idempotencyKey: key };
      const answer = await this.call("ReserveStock", request);
      if (answer.ok) {
        const reservation = (answer.body as { reservation: { reservationId: string; quantity: string } }).reservation;
        this.tally.reserved.set(reservation.reservationId, Number(reservation.quantity));
        if (this.random() < 0.5) {
          const release = await this.call("ReleaseReservation", { reservationId: reservation.reservationId });
          if (release.ok || release.code === "RESERVATION.NOT_ACTIVE") this.tally.released.add(reservation.reservationId);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Calls until the service answers: retries connection failures, 5xx and 429; a 4xx is an answer. */
  private async call(method: string, request: object): Promise<{ ok: true; body: unknown } | { ok: false; code: string }> {
    for (let backoffMs = 100; ; backoffMs = Math.min(backoffMs * 2, 2000)) {
      this.tally.attempts++;
      try {
        const response = await fetch(`${this.baseUrl}/invsync.inventory.v1.ReservationService/${method}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json()) as Record<string, unknown>;
        if (response.status === 200) return { ok: true, body };
        if (response.status < 500 && response.status !== 429) {
          const code = String((body.detail as { code?: string } | undefined)?.code ?? detailCode(body) ?? body.code);
          if (["RESERVATION.INSUFFICIENT_STOCK", "INVENTORY.NOT_FOUND", "RESERVATION.NOT_ACTIVE"].includes(code) || body.code === "failed_precondition" || body.code === "not_found") {
            this.tally.refused++;
            return { ok: false, code };
          }
          this.tally.unexpected.push(`${method}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
          return { ok: false, code };
        }
      } catch {
        // no answer (killed, restarting): retry
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs * (0.5 + this.random())));
    }
  }
}

/** The ErrorDetail code of a Connect error body (details travel base64-encoded; the code is readable in its JSON debug form). */
function detailCode(body: Record<string, unknown>): string | undefined {
  const details = body.details as Array<{ debug?: { code?: string } }> | undefined;
  return details?.find((d) => d.debug?.code)?.debug?.code;
}
