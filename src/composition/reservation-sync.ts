import type { Knex } from "knex";
import { ReservationSyncService } from "../../gen/invsync/inventory/v1/reservation_sync_service_pb.js";
import type { ServiceMetrics } from "../adapters/observability/metrics.js";
import { ReservationSyncMetrics } from "../adapters/observability/reservation-sync-metrics.js";
import { KnexReservationSyncOutbox } from "../adapters/persistence/knex-reservation-sync-outbox.js";
import { PgAdvisoryLease, RESERVATION_SYNC_JOB } from "../adapters/persistence/pg-advisory-lease.js";
import type { AccessGate } from "../adapters/rpc/operator-access.js";
import { registerService, type RegisteredService } from "../adapters/rpc/registered-service.js";
import { reservationSyncService } from "../adapters/rpc/reservation-sync-service.js";
import { guardService } from "../adapters/rpc/service-guard.js";
import { HttpReservationSyncEndpoint } from "../adapters/wms-client/http-reservation-sync-endpoint.js";
import type { Config } from "../config/config.js";
import type { EventOutbox } from "../outbox/event-outbox.port.js";
import { QueueForwarder } from "../outbox/queue-forwarder.js";
import type { AuditTrail } from "../reconciliation/application/audit-trail.js";
import { syncingOutbox, type SyncEntry } from "../reservations/application/reservation-sync-outbox.port.js";
import type { Clock } from "../shared/clock.js";
import { soleProcessLease } from "../shared/lease.port.js";
import type { Logger } from "../shared/logger.js";

/** Longest wait between rounds while the WMS keeps failing. */
const MAX_ROUND_BACKOFF_MS = 60_000;

/** The reservation sync, wired. */
export interface ReservationSyncPart {
  /** The event outbox for the reservation use cases: with the sync on, it also writes sync messages. */
  readonly outbox: (events: EventOutbox) => EventOutbox;
  /** The forwarder (on the replica holding its lease); undefined when the sync is off. */
  readonly forwarder: QueueForwarder<SyncEntry> | undefined;
  readonly service: RegisteredService;
}

/**
 * Wires the push of reservation changes to the WMS (part of the composition root): with
 * `WMS_RESERVATION_SYNC_URL` set, every reservation change also writes a message to the sync
 * outbox in its transaction, and a forwarder POSTs them (one per request, signed, retried; a 4xx
 * parks the message) on the one replica holding its advisory lock. The service and metrics exist
 * either way.
 */
export function composeReservationSync(config: Config, knex: Knex, metrics: ServiceMetrics, clock: Clock, logger: Logger, access: AccessGate, audit: AuditTrail): ReservationSyncPart {
  const settings = config.reservationSync;
  const sync = new KnexReservationSyncOutbox(knex);
  const observer = new ReservationSyncMetrics(metrics.registry, settings ? metrics.perScrape(() => sync.backlog()) : undefined);
  const url = settings ? new URL(settings.url) : undefined;
  const log = logger.child({ component: "reservation-sync" });
  const forwarder = settings
    ? new QueueForwarder<SyncEntry>(
        "reservation sync",
        sync,
        new HttpReservationSyncEndpoint({ url: settings.url, keyId: settings.keyId, secret: settings.secret, authHeader: undefined, maxAttempts: settings.maxAttempts, timeoutMs: settings.timeoutMs, backoffMs: 500 }),
        config.databaseUrl ? new PgAdvisoryLease(config.databaseUrl, RESERVATION_SYNC_JOB, log) : soleProcessLease,
        clock,
        log,
        {
          batchSize: settings.batchSize,
          pollMs: settings.pollMs,
          maxBackoffMs: MAX_ROUND_BACKOFF_MS,
          refused: "park",
          onePerRequest: true,
          orderKey: (entry) => entry.reservationId,
          describe: (entries) => ({ messageId: entries[0]!.messageId, reservationId: entries[0]!.reservationId }),
          words: {
            attemptFailed: "reservation sync attempt failed",
            recovered: "reservation sync recovered",
            refused: "the WMS refused a reservation sync message; it is parked until an operator retries it",
            failed: "reservation sync message not delivered; tried again later",
          },
        },
        observer,
      )
    : undefined;
  if (url) log.info({ endpoint: `${url.origin}${url.pathname}` }, "reservation sync on: reservation changes are pushed to the WMS");
  const view = { outbox: sync, endpoint: url ? `${url.origin}${url.pathname}` : undefined, lastFailure: () => forwarder?.lastFailure };
  return {
    outbox: (events) => (settings ? syncingOutbox(events, sync) : events),
    forwarder,
    service: registerService(ReservationSyncService, guardService(ReservationSyncService, reservationSyncService(view, audit, clock), logger, access)),
  };
}
