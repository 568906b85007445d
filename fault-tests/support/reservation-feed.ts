import { seededRandom } from "../../bench/stats.js";
import { skuCode } from "../../bench/workload.js";
import { connectJson, type CallResult } from "../../contract-tests/support/reservation-calls.js";

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

  /**
   * Calls until the service answers: retries when there is no answer (connection refused or reset,
   * killed, restarting, or no answer within {@link CALL_TIMEOUT_MS}) and on Connect codes the
   * protocol sends as 5xx or 429. A business refusal (a detail code of {@link BUSINESS_REFUSALS}) is
   * an answer; any other refusal, or a body that is not Connect JSON, goes to `unexpected`.
   */
  private async call(method: string, request: object): Promise<{ ok: true; body: unknown } | { ok: false; code: string }> {
    for (let backoffMs = 100; ; backoffMs = Math.min(backoffMs * 2, 2000)) {
      this.tally.attempts++;
      let result: CallResult | undefined;
      try {
        result = await withTimeout(connectJson(this.baseUrl, method, request), CALL_TIMEOUT_MS);
      } catch (error) {
        if (error instanceof SyntaxError) {
          // an answer, but not Connect JSON: retrying would not change it
          this.tally.unexpected.push(`${method}: an answer that is not JSON (${error.message.slice(0, 200)})`);
          return { ok: false, code: "not_json" };
        }
        // no answer: retry
      }
      if (result?.ok) return { ok: true, body: result.body };
      if (result && !RETRIED_CODES.has(result.code)) {
        const code = result.detail?.code ?? String(result.code);
        if (BUSINESS_REFUSALS.has(code)) {
          this.tally.refused++;
          return { ok: false, code };
        }
        this.tally.unexpected.push(`${method}: ${result.code} ${code} ${String(result.message).slice(0, 300)}`);
        return { ok: false, code };
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs * (0.5 + this.random())));
    }
  }
}

/** Detail codes that refuse a reservation call for a business reason: answers, not failures. */
const BUSINESS_REFUSALS = new Set(["RESERVATION.INSUFFICIENT_STOCK", "INVENTORY.NOT_FOUND", "RESERVATION.NOT_ACTIVE"]);

/**
 * Connect codes that say "try again" (503, 429, 504), which the clients retry. `internal`, `unknown`
 * and `data_loss` are a bug of the service, not a fault it rides out: they go to `unexpected`.
 */
const RETRIED_CODES = new Set(["unavailable", "resource_exhausted", "deadline_exceeded"]);

/** How long a client waits for an answer before it gives up on the attempt and retries (with the same idempotency key). */
const CALL_TIMEOUT_MS = 30_000;

/**
 * `promise`, or a rejection after `ms`. connectJson takes no abort signal, so a timed-out request is
 * abandoned rather than aborted; the retry carries the same idempotency key, so it is safe either way.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
