import type { OutboxStore } from "../../outbox/outbox-store.port.js";
import type { Database } from "../persistence/database.js";
import type { BusStatus } from "../messaging/jetstream-event-publisher.js";
import type { ReadinessReport } from "../http/health-routes.js";

/** What the readiness probe looks at. */
export interface ReadinessSources {
  readonly database: Database;
  readonly outbox: OutboxStore;
  readonly bus: () => BusStatus;
  readonly relayFailure: () => string | undefined;
  readonly draining: () => boolean;
  /** The HTTP forwarder of the legacy feed, when it is on. */
  readonly legacyForwarder?: { readonly lastFailure: string | undefined };
}

/**
 * Builds the readiness probe. Ready means "writes are accepted": the database answers and the
 * service is not shutting down. NATS being down does not make the service unready (updates are
 * accepted and events wait in the outbox); the report says so, with the backlog and its age. Nor
 * does a failing legacy forwarder (rows wait in the feed): the report shows its last error.
 */
export function readinessProbe(sources: ReadinessSources): () => Promise<ReadinessReport> {
  return async () => {
    const databaseUp = await sources.database.ping(1000);
    const backlog = databaseUp ? await sources.outbox.backlog().catch(() => undefined) : undefined;
    const bus = sources.bus();
    const oldestAgeSeconds = backlog?.oldestAt ? Math.max(0, (Date.now() - backlog.oldestAt.getTime()) / 1000) : 0;
    return {
      ready: databaseUp && !sources.draining(),
      checks: {
        draining: sources.draining(),
        database: { engine: sources.database.engine, up: databaseUp },
        nats: { connected: bus.connected, streamReady: bus.streamReady, lastError: bus.lastError ?? null },
        outbox: backlog
          ? { backlog: backlog.count, oldestAgeSeconds: Math.round(oldestAgeSeconds * 10) / 10, relayLastError: sources.relayFailure() ?? null }
          : { backlog: null, relayLastError: sources.relayFailure() ?? null },
        legacyFeed: sources.legacyForwarder ? { delivery: "http", lastError: sources.legacyForwarder.lastFailure ?? null } : { delivery: "table" },
      },
    };
  };
}
