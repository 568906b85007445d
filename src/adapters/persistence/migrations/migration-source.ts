import type { Knex } from "knex";
import * as initialSchema from "./0001-initial-schema.js";
import * as reservations from "./0002-reservations.js";
import * as resilientIngestion from "./0003-resilient-ingestion.js";
import * as stranglerMigration from "./0004-strangler-migration.js";
import * as outboxPayload from "./0005-outbox-payload.js";
import * as inboxUpdateKind from "./0006-inbox-update-kind.js";
import * as reconciliation from "./0007-reconciliation.js";
import * as eventTraceContext from "./0008-event-trace-context.js";
import * as outboxPending from "./0010-outbox-pending.js";
import * as leanInboxIndexes from "./0011-lean-inbox-indexes.js";
import * as routePreviousPath from "./0012-route-previous-path.js";
import * as outboxChunks from "./0013-outbox-chunks.js";
import * as receivedPayloads from "./0014-received-payloads.js";
import * as scorecard from "./0015-scorecard.js";
import * as relayPartitions from "./0016-relay-partitions.js";
import * as routingRules from "./0018-routing-rules.js";
import * as reservationSync from "./0019-reservation-sync.js";
import * as lowStockEstimates from "./0020-low-stock-estimates.js";
import * as inboxPayloadJson from "./0021-inbox-payload-json.js";

/** A migration: a name that sorts in apply order, and the step up. */
interface NamedMigration {
  readonly name: string;
  readonly migration: Knex.Migration;
}

/** Every migration, in order. Listed explicitly so a bundled or compiled build finds them all. */
const migrations: readonly NamedMigration[] = [
  { name: "0001-initial-schema", migration: initialSchema },
  { name: "0002-reservations", migration: reservations },
  { name: "0003-resilient-ingestion", migration: resilientIngestion },
  { name: "0004-strangler-migration", migration: stranglerMigration },
  { name: "0005-outbox-payload", migration: outboxPayload },
  { name: "0006-inbox-update-kind", migration: inboxUpdateKind },
  { name: "0007-reconciliation", migration: reconciliation },
  { name: "0008-event-trace-context", migration: eventTraceContext },
  { name: "0010-outbox-pending", migration: outboxPending },
  { name: "0011-lean-inbox-indexes", migration: leanInboxIndexes },
  { name: "0012-route-previous-path", migration: routePreviousPath },
  { name: "0013-outbox-chunks", migration: outboxChunks },
  { name: "0014-received-payloads", migration: receivedPayloads },
  { name: "0015-scorecard", migration: scorecard },
  { name: "0016-relay-partitions", migration: relayPartitions },
  { name: "0018-routing-rules", migration: routingRules },
  { name: "0019-reservation-sync", migration: reservationSync },
  { name: "0020-low-stock-estimates", migration: lowStockEstimates },
  { name: "0021-inbox-payload-json", migration: inboxPayloadJson },
];

/** knex migration source over {@link migrations}. */
export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (entry) => entry.name,
  getMigration: async (entry) => entry.migration,
};
