import { fromJson } from "@bufbuild/protobuf";
import { SyncInventoryRequestSchema } from "../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { UnleashFeatureFlags } from "../../src/adapters/flags/unleash-feature-flags.js";
import { KnexLegacyFeed } from "../../src/adapters/legacy/knex-legacy-feed.js";
import type { Database } from "../../src/adapters/persistence/database.js";
import { KnexComparisonStore } from "../../src/adapters/persistence/knex-comparison-store.js";
import { KnexEventOutbox } from "../../src/adapters/persistence/knex-event-outbox.js";
import { KnexInbox } from "../../src/adapters/persistence/knex-inbox.js";
import { KnexRouteLedger } from "../../src/adapters/persistence/knex-route-ledger.js";
import { KnexStockRepository } from "../../src/adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "../../src/adapters/persistence/knex-unit-of-work.js";
import { StockCountApplier } from "../../src/inventory/application/stock-count-applier.js";
import { StockQueries } from "../../src/inventory/application/stock-queries.js";
import { CohortRouter } from "../../src/migration/application/cohort-router.js";
import { CohortStatusQuery } from "../../src/migration/application/cohort-status.js";
import { discardedEvents } from "../../src/migration/application/discarded-events.js";
import type { FeatureFlags } from "../../src/migration/application/feature-flags.port.js";
import { ShadowComparator } from "../../src/migration/application/shadow-comparator.js";
import { systemClock } from "../../src/shared/clock.js";
import { uuidV7Ids } from "../../src/shared/ids.js";
import { silentLogger } from "../../src/shared/logger.js";
import { mapWmsV1Batch } from "../../src/wms-ingestion/acl/wms-v1-mapper.js";
import { WmsBatchIngestion } from "../../src/wms-ingestion/application/wms-batch-ingestion.js";
import type { WmsUpdateJson } from "./wms-fixtures.js";

/** The flag names of the committed bootstrap files (and the service's defaults). */
export const FLAG_NAMES = { cohort: "invsync.cohort.new", shadow: "invsync.cohort.shadow", killSwitch: "invsync.ingestion.kill-switch" } as const;

/** Starts the flag client on a committed bootstrap file, for example `flags/all-new.json`. */
export function bootstrapFlags(file: string): Promise<UnleashFeatureFlags> {
  return UnleashFeatureFlags.start({ kind: "bootstrap", file }, silentLogger);
}

/** The ingestion use case with the strangler router, wired to real persistence as main.ts wires it. */
export function routedIngestionStack(database: Database, flags: FeatureFlags) {
  const stock = new KnexStockRepository(database.knex);
  const outbox = new KnexEventOutbox(database.knex);
  const legacy = new KnexLegacyFeed(database.knex);
  const router = new CohortRouter({
    flags,
    flagNames: FLAG_NAMES,
    ledger: new KnexRouteLedger(),
    legacy,
    shadow: new StockCountApplier(new KnexStockRepository(database.knex, "shadow_inventory"), discardedEvents, systemClock, uuidV7Ids),
    live: new StockCountApplier(stock, outbox, systemClock, uuidV7Ids),
    clock: systemClock,
  });
  const ingestion = new WmsBatchIngestion(new KnexUnitOfWork(database.knex), new KnexInbox(), router, systemClock, { maxBatchUpdates: 10_000 }, silentLogger);
  const sync = (batchId: string, updates: WmsUpdateJson[]) =>
    ingestion.ingest(
      mapWmsV1Batch(fromJson(SyncInventoryRequestSchema, { batchId, updates } as never), { clock: systemClock, maxFutureSkewMs: 300_000 }),
    );
  const comparisons = new KnexComparisonStore(database.knex);
  return {
    sync,
    queries: new StockQueries(stock),
    outbox,
    legacy,
    comparator: new ShadowComparator(comparisons, legacy, systemClock, silentLogger),
    status: new CohortStatusQuery(flags, FLAG_NAMES, comparisons),
  };
}

/** Flags whose bootstrap file can be swapped mid-test, as an operator flips flags in Unleash. */
export class SwitchableFlags implements FeatureFlags {
  private constructor(private current: UnleashFeatureFlags) {}

  /** Starts on the bootstrap file `file`. */
  static async start(file: string): Promise<SwitchableFlags> {
    return new SwitchableFlags(await bootstrapFlags(file));
  }

  /** Replaces the flags with those of `file`. */
  async switchTo(file: string): Promise<void> {
    const next = await bootstrapFlags(file);
    this.current.close();
    this.current = next;
  }

  isEnabled(...args: Parameters<FeatureFlags["isEnabled"]>) {
    return this.current.isEnabled(...args);
  }

  status() {
    return this.current.status();
  }

  definition(flag: string) {
    return this.current.definition(flag);
  }

  /** Closes the flag client. */
  close(): void {
    this.current.close();
  }
}
