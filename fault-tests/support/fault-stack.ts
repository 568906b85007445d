import { createTestDatabase, NATS_URL, testStream, type TestDatabase, type TestStream } from "../../contract-tests/support/test-servers.js";
import { FaultService } from "./fault-service.js";
import { auditInvariants, type AuditReport } from "./invariant-audit.js";
import type { ReservationTally } from "./reservation-feed.js";
import type { PlannedSource } from "./wms-stream.js";

/** A scenario's service on a database and stream of its own on the shared PostgreSQL and NATS. */
export interface FaultStack {
  readonly database: TestDatabase;
  readonly stream: TestStream;
  readonly service: FaultService;
  /** The invariant audit of this stack's database and stream. */
  audit(sources: readonly PlannedSource[], reservations?: ReservationTally): Promise<AuditReport>;
  /** Stops the service, then drops its stream and database. */
  stop(): Promise<void>;
}

/** Creates the database and stream named after `label` and starts the service on them with `env`. */
export async function startFaultStack(label: string, env: Record<string, string> = {}): Promise<FaultStack> {
  const database = await createTestDatabase(label);
  const stream = testStream(label);
  try {
    const service = await FaultService.start({ databaseUrl: database.url, natsUrl: NATS_URL, stream: stream.stream, subjectPrefix: stream.subjectPrefix, env });
    return {
      database,
      stream,
      service,
      audit: (sources, reservations) => auditInvariants({ databaseUrl: database.url, natsUrl: NATS_URL, stream: stream.stream, sources, ...(reservations ? { reservations } : {}) }),
      async stop() {
        await service.stop();
        await stream.delete();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
