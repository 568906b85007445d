import { fromJson } from "@bufbuild/protobuf";
import { SyncInventoryRequestSchema } from "../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { UnleashFeatureFlags } from "../../src/adapters/flags/unleash-feature-flags.js";
import type { Database } from "../../src/adapters/persistence/database.js";
import { KnexEventOutbox } from "../../src/adapters/persistence/knex-event-outbox.js";
import { encodeEvent } from "../../src/adapters/messaging/event-codec.js";
import { composeIngestion } from "../../src/composition/ingestion.js";
import { StockQueries } from "../../src/inventory/application/stock-queries.js";
import { CohortStatusQuery } from "../../src/migration/application/cohort-status.js";
import type { FeatureFlags } from "../../src/migration/application/feature-flags.port.js";
import { ShadowComparator } from "../../src/migration/application/shadow-comparator.js";
import type { RoutingObserver } from "../../src/migration/application/cohort-router.js";
import { systemClock } from "../../src/shared/clock.js";
import { silentLogger } from "../../src/shared/logger.js";
import { mapWmsV1Batch } from "../../src/wms-ingestion/acl/wms-v1-mapper.js";
import { mapWmsV2Batch } from "../../src/wms-ingestion/acl/wms-v2-mapper.js";
import { SyncStockRequestSchema } from "../../gen/invsync/wms/v2/wms_sync_service_pb.js";
import type { WmsUpdateJson } from "./wms-fixtures.js";

/** The flag names of the committed bootstrap files (and the service's defaults). */
export const FLAG_NAMES = { cohort: "invsync.cohort.new", shadow: "invsync.cohort.shadow", killSwitch: "invsync.ingestion.kill-switch" } as const;

/** Starts the flag client on a committed bootstrap file, for example `flags/all-new.json`. */
export function bootstrapFlags(file: string): Promise<UnleashFeatureFlags> {
  return UnleashFeatureFlags.start({ kind: "bootstrap", file }, silentLogger);
}

/**
 * The ingestion use case with the strangler router, wired to real persistence exactly as main.ts
 * wires it (`composeIngestion`), for adapter tests and benchmarks.
 */
export function routedIngestionStack(database: Database, flags: FeatureFlags, maxBatchUpdates = 10_000, routing?: RoutingObserver) {
  const outbox = new KnexEventOutbox(database.knex, encodeEvent);
  const { ingestion, stock, legacy, comparisons } = composeIngestion(database.knex, outbox, {
    flags,
    flagNames: FLAG_NAMES,
    shipmentSettleMs: 5000,
    maxBatchUpdates,
    clock: systemClock,
    logger: silentLogger,
    ...(routing ? { observers: { routing } } : {}),
  });
  const sync = (batchId: string, updates: WmsUpdateJson[]) =>
    ingestion.ingest(
      mapWmsV1Batch(fromJson(SyncInventoryRequestSchema, { batchId, updates } as never), { clock: systemClock, maxFutureSkewMs: 300_000 }),
    );
  const syncV2 = (batchRef: string, records: object[]) =>
    ingestion.ingest(mapWmsV2Batch(fromJson(SyncStockRequestSchema, { batchRef, records } as never), { clock: systemClock, maxFutureSkewMs: 300_000 }));
  return {
    ingestion,
    sync,
    syncV2,
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
