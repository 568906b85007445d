import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "../../shared/paging.js";
import { asSku, skuProblem } from "../../inventory/domain/sku.js";
import { reservationIdProblem, type Reservation, type ReservationStatus } from "../domain/reservation.js";
import { reservationNotFound } from "../domain/reservation-errors.js";
import { referenceProblem } from "../domain/reserve-request.js";
import type { ReservationRepository } from "./reservation-repository.port.js";

/** Default and largest page sizes of {@link ReservationQueries.list}. */
export const RESERVATION_PAGE_SIZE = { default: 100, max: 1000 } as const;

/** A ListReservations request; empty strings and undefined mean "no filter". */
export interface ReservationListRequest {
  readonly orderReference: string;
  readonly sku: string;
  readonly status: ReservationStatus | undefined;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** One page of reservations. */
export interface ReservationPage {
  readonly reservations: readonly Reservation[];
  /** Opaque token for the next page; empty on the last page. */
  readonly nextPageToken: string;
}

/** Read side of reservations: one by id, or pages in creation order. */
export class ReservationQueries {
  constructor(private readonly reservations: ReservationRepository) {}

  /** The reservation with `reservationId`; `RESERVATION.NOT_FOUND` when there is none. */
  async get(reservationId: string): Promise<Reservation> {
    const problem = reservationIdProblem(reservationId);
    if (problem) throw new ValidationError("RESERVATION.INVALID_REQUEST", [{ field: "reservation_id", reason: problem }]);
    const reservation = await this.reservations.findById(reservationId);
    if (!reservation) throw reservationNotFound(reservationId);
    return reservation;
  }

  /** One page of reservations matching the filters, oldest first. */
  async list(request: ReservationListRequest): Promise<ReservationPage> {
    const violations: FieldViolation[] = [];
    const pageSize = pageSizeOf(request.pageSize, RESERVATION_PAGE_SIZE, violations);
    const afterId = decodePageToken(request.pageToken, (id) => reservationIdProblem(id) === undefined);
    if (afterId === null) violations.push({ field: "page_token", reason: "is not a token this service issued" });
    const skuIssue = request.sku === "" ? undefined : skuProblem(request.sku);
    if (skuIssue) violations.push({ field: "sku", reason: skuIssue });
    const orderIssue = request.orderReference === "" ? undefined : referenceProblem(request.orderReference, 128);
    if (orderIssue) violations.push({ field: "order_reference", reason: orderIssue });
    if (violations.length > 0) throw new ValidationError("RESERVATION.INVALID_LIST_REQUEST", violations);

    const found = await this.reservations.list({
      orderReference: request.orderReference === "" ? undefined : request.orderReference,
      sku: request.sku === "" ? undefined : asSku(request.sku),
      status: request.status,
      afterId: afterId ?? undefined,
      limit: pageSize + 1,
    });
    const page = found.slice(0, pageSize);
    const last = page.at(-1);
    return { reservations: page, nextPageToken: found.length > pageSize && last ? encodePageToken(last.id) : "" };
  }
}
