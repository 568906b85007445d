import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ReservationStatus, type ReservationSchema } from "../../../gen/invsync/inventory/v1/reservation_pb.js";
import type { ReservationService } from "../../../gen/invsync/inventory/v1/reservation_service_pb.js";
import type { ReservationLifecycle } from "../../reservations/application/reservation-lifecycle.js";
import type { ReservationQueries } from "../../reservations/application/reservation-queries.js";
import type { ReservedCounterCheck } from "../../reservations/application/reserved-counter-check.js";
import type { StockReserver } from "../../reservations/application/reserve-stock.js";
import type { Reservation, ReservationStatus as DomainStatus } from "../../reservations/domain/reservation.js";
import { ValidationError } from "../../shared/errors.js";

/** The use cases behind {@link reservationService}. */
export interface ReservationUseCases {
  readonly reserver: StockReserver;
  readonly lifecycle: ReservationLifecycle;
  readonly queries: ReservationQueries;
  readonly counters: ReservedCounterCheck;
}

const STATUSES: Record<DomainStatus, ReservationStatus> = {
  active: ReservationStatus.ACTIVE,
  released: ReservationStatus.RELEASED,
  expired: ReservationStatus.EXPIRED,
  fulfilled: ReservationStatus.FULFILLED,
};

/** `invsync.inventory.v1.ReservationService`: converts messages to use-case inputs and results back. */
export function reservationService(useCases: ReservationUseCases): ServiceImpl<typeof ReservationService> {
  const { reserver, lifecycle, queries, counters } = useCases;
  return {
    async reserveStock(request) {
      const result = await reserver.reserve({
        sku: request.sku,
        locationId: request.locationId,
        quantity: Number(request.quantity),
        orderReference: request.orderReference,
        idempotencyKey: request.idempotencyKey,
        ttlMs: durationMs(request.ttl),
        channel: request.channel,
        region: request.region,
      });
      return { reservation: toReservationMessage(result.reservation), replayed: result.replayed, parts: result.parts.map(toReservationMessage) };
    },
    async releaseReservation(request) {
      return { reservation: toReservationMessage(await lifecycle.release(request.reservationId)) };
    },
    async fulfilReservation(request) {
      return { reservation: toReservationMessage(await lifecycle.fulfil(request.reservationId, request.shipmentReference)) };
    },
    async extendReservation(request) {
      return { reservation: toReservationMessage(await lifecycle.extend(request.reservationId, durationMs(request.ttl))) };
    },
    async getReservation(request) {
      return { reservation: toReservationMessage(await queries.get(request.reservationId)) };
    },
    async listReservations(request) {
      const page = await queries.list({
        orderReference: request.orderReference,
        sku: request.sku,
        status: request.status === ReservationStatus.UNSPECIFIED ? undefined : domainStatus(request.status),
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      return { reservations: page.reservations.map(toReservationMessage), nextPageToken: page.nextPageToken };
    },
    async verifyReservedCounters() {
      const report = await counters.verify();
      return {
        recordsChecked: BigInt(report.recordsChecked),
        driftedRecords: BigInt(report.driftedRecords),
        driftedSkus: BigInt(report.driftedSkus),
        drifts: report.drifts.map((d) => ({
          sku: d.sku,
          locationId: d.locationId,
          reserved: BigInt(d.reserved),
          activeReserved: BigInt(d.activeReserved),
        })),
      };
    },
  };
}

/** A reservation as its `invsync.inventory.v1.Reservation` message. */
export function toReservationMessage(r: Reservation): MessageInitShape<typeof ReservationSchema> {
  return {
    reservationId: r.id,
    sku: r.sku,
    locationId: r.locationId,
    requestedLocationId: r.requestedLocationId ?? "",
    quantity: BigInt(r.quantity),
    orderReference: r.orderReference,
    idempotencyKey: r.idempotencyKey,
    status: STATUSES[r.status],
    expiresAt: timestampFromDate(r.expiresAt),
    createdAt: timestampFromDate(r.createdAt),
    updatedAt: timestampFromDate(r.updatedAt),
    closedAt: r.closedAt ? timestampFromDate(r.closedAt) : undefined,
    shipmentReference: r.shipmentReference,
    channel: r.channel ?? "",
    region: r.region ?? "",
    routingRuleId: r.routing?.ruleId ?? "",
    routingRuleVersion: r.routing?.ruleVersion ?? 0,
    splitGroupId: r.splitGroupId ?? "",
  };
}

/** A status filter in domain terms; an enum number this version does not know is refused. */
function domainStatus(status: ReservationStatus): DomainStatus {
  const found = (Object.entries(STATUSES) as Array<[DomainStatus, ReservationStatus]>).find(([, value]) => value === status);
  if (!found) throw new ValidationError("RESERVATION.INVALID_LIST_REQUEST", [{ field: "status", reason: `unknown status ${status}` }]);
  return found[0];
}

/** A Duration in milliseconds; undefined when unset. Negative or huge values are left for validation to refuse. */
function durationMs(duration: Duration | undefined): number | undefined {
  if (!duration) return undefined;
  return Number(duration.seconds) * 1000 + duration.nanos / 1_000_000;
}
