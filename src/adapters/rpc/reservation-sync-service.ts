import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { SyncMessageStatus, type ReservationSyncService } from "../../../gen/invsync/inventory/v1/reservation_sync_service_pb.js";
import type { AuditTrail } from "../../reconciliation/application/audit-trail.js";
import type { SyncMessageStatus as DomainStatus } from "../../reservations/application/reservation-sync-outbox.port.js";
import { reservationIdProblem } from "../../reservations/domain/reservation.js";
import type { Clock } from "../../shared/clock.js";
import { ValidationError } from "../../shared/errors.js";
import type { KnexReservationSyncOutbox } from "../persistence/knex-reservation-sync-outbox.js";
import { actorKey, requestIdKey } from "./service-guard.js";

/** What the service reads: the outbox, and the forwarder's state on this replica (undefined when the sync is off). */
export interface ReservationSyncView {
  readonly outbox: KnexReservationSyncOutbox;
  readonly endpoint: string | undefined;
  readonly lastFailure: () => string | undefined;
}

const STATUSES: Record<DomainStatus, SyncMessageStatus> = {
  pending: SyncMessageStatus.PENDING,
  delivered: SyncMessageStatus.DELIVERED,
  parked: SyncMessageStatus.PARKED,
};

/**
 * `invsync.inventory.v1.ReservationSyncService`: the sync's status, its messages, and the
 * operator's retry of parked messages (audited as `reservation_sync_retried`, with the ids put back).
 */
export function reservationSyncService(view: ReservationSyncView, audit: AuditTrail, clock: Clock): ServiceImpl<typeof ReservationSyncService> {
  return {
    async getReservationSyncStatus() {
      const backlog = await view.outbox.backlog();
      return {
        enabled: view.endpoint !== undefined,
        endpoint: view.endpoint ?? "",
        pending: BigInt(backlog.pending),
        parked: BigInt(backlog.parked),
        oldestPendingAt: backlog.oldestPendingAt ? timestampFromDate(backlog.oldestPendingAt) : undefined,
        lastFailure: view.lastFailure() ?? "",
      };
    },
    async listReservationSyncMessages(request) {
      const violations = [];
      const size = request.pageSize === 0 ? 100 : request.pageSize;
      if (size < 1 || size > 1000) violations.push({ field: "page_size", reason: `must be from 1 to 1000 (0 = 100), got ${request.pageSize}` });
      if (request.pageToken !== "" && !/^\d{1,19}$/.test(request.pageToken)) violations.push({ field: "page_token", reason: "must be a next_page_token from an earlier response" });
      const status = (Object.entries(STATUSES) as Array<[DomainStatus, SyncMessageStatus]>).find(([, value]) => value === request.status)?.[0];
      if (request.status !== SyncMessageStatus.UNSPECIFIED && !status) violations.push({ field: "status", reason: `unknown status ${request.status}` });
      if (violations.length > 0) throw new ValidationError("RESERVATION_SYNC.INVALID_REQUEST", violations);
      const messages = await view.outbox.list(status, BigInt(request.pageToken || "0"), size + 1);
      const page = messages.slice(0, size);
      return {
        messages: page.map((m) => ({
          messageId: m.messageId,
          seq: m.seq,
          reservationId: m.reservationId,
          type: m.type,
          status: STATUSES[m.status],
          attempts: m.attempts,
          lastError: m.lastError ?? "",
          parkedReason: m.parkedReason ?? "",
          parkedAt: m.parkedAt ? timestampFromDate(m.parkedAt) : undefined,
          deliveredAt: m.deliveredAt ? timestampFromDate(m.deliveredAt) : undefined,
          acknowledgement: m.acknowledgement ?? "",
          createdAt: timestampFromDate(m.createdAt),
          bodyJson: m.body,
        })),
        nextPageToken: messages.length > size ? page.at(-1)!.seq.toString() : "",
      };
    },
    async retryReservationSyncMessages(request, context) {
      const violations = request.messageIds.flatMap((id, i) => (reservationIdProblem(id) ? [{ field: `message_ids[${i}]`, reason: "must be a message id (a UUID)" }] : []));
      if (violations.length > 0) throw new ValidationError("RESERVATION_SYNC.INVALID_REQUEST", violations);
      const retried = await view.outbox.retryParked(request.messageIds);
      await audit.record({
        actor: context.values.get(actorKey) ?? { name: "unknown", role: "operator" },
        action: "reservation_sync_retried",
        reason: request.reason,
        note: "",
        requestId: context.values.get(requestIdKey),
        details: { requested: request.messageIds, retried },
        at: clock.now(),
      });
      return { messageIds: retried };
    },
  };
}
