import type { Knex } from "knex";
import { KnexLegacyFeed } from "../adapters/legacy/knex-legacy-feed.js";
import { KnexComparisonStore } from "../adapters/persistence/knex-comparison-store.js";
import type { KnexEventOutbox } from "../adapters/persistence/knex-event-outbox.js";
import { KnexInbox } from "../adapters/persistence/knex-inbox.js";
import { KnexPendingShipments } from "../adapters/persistence/knex-pending-shipments.js";
import { KnexRouteLedger } from "../adapters/persistence/knex-route-ledger.js";
import { KnexShortfallRegister } from "../adapters/persistence/knex-shortfall-register.js";
import { KnexStockRepository } from "../adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "../adapters/persistence/knex-unit-of-work.js";
import type { CountSettlement } from "../inventory/application/count-settlement.port.js";
import { StockCountApplier } from "../inventory/application/stock-count-applier.js";
import { StockMovementApplier } from "../inventory/application/stock-movement-applier.js";
import { CohortRouter, type RoutingObserver } from "../migration/application/cohort-router.js";
import { discardedEvents } from "../migration/application/discarded-events.js";
import type { FeatureFlags } from "../migration/application/feature-flags.port.js";
import type { RoutingFlagNames } from "../migration/domain/route-decision.js";
import type { EventOutbox } from "../outbox/event-outbox.port.js";
import type { Clock } from "../shared/clock.js";
import { uuidV7Ids } from "../shared/ids.js";
import type { Logger } from "../shared/logger.js";
import { WmsBatchIngestion, type IngestionObserver } from "../wms-ingestion/application/wms-batch-ingestion.js";

/** What the ingestion part needs from the rest of the composition. */
export interface IngestionSettings {
  readonly flags: FeatureFlags;
  readonly flagNames: RoutingFlagNames;
  readonly shipmentSettleMs: number;
  readonly maxBatchUpdates: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observers?: { readonly batches?: IngestionObserver; readonly routing?: RoutingObserver };
}

/** The ingestion use case and the stores around it, wired. */
export interface IngestionPart {
  readonly ingestion: WmsBatchIngestion;
  readonly stock: KnexStockRepository;
  readonly legacy: KnexLegacyFeed;
  readonly comparisons: KnexComparisonStore;
  /** Pending shipments and the shortfall register, shared with reservations. */
  readonly settlement: CountSettlement & { readonly shipments: KnexPendingShipments; readonly shortfalls: KnexShortfallRegister };
}

/**
 * Wires the WMS ingestion use case (part of the composition root, also used by adapter tests and
 * benchmarks): inbox, strangler router, and the count and movement appliers of live stock (with
 * shipment settlement and shortfalls) and of the shadow projection (events discarded).
 */
export function composeIngestion(knex: Knex, outbox: KnexEventOutbox | EventOutbox, settings: IngestionSettings): IngestionPart {
  const { clock, logger } = settings;
  const stock = new KnexStockRepository(knex);
  const shadowStock = new KnexStockRepository(knex, "shadow_inventory");
  const settlement = { shipments: new KnexPendingShipments(), shortfalls: new KnexShortfallRegister(), settleMs: settings.shipmentSettleMs };
  const legacy = new KnexLegacyFeed(knex);
  const router = new CohortRouter({
    flags: settings.flags,
    flagNames: settings.flagNames,
    ledger: new KnexRouteLedger(),
    legacy,
    shadow: {
      counts: new StockCountApplier(shadowStock, discardedEvents, clock, uuidV7Ids),
      movements: new StockMovementApplier(shadowStock, discardedEvents, clock, uuidV7Ids),
    },
    live: {
      counts: new StockCountApplier(stock, outbox, clock, uuidV7Ids, settlement),
      movements: new StockMovementApplier(stock, outbox, clock, uuidV7Ids, settlement.shortfalls),
    },
    clock,
    ...(settings.observers?.routing ? { observer: settings.observers.routing } : {}),
  });
  const ingestion = new WmsBatchIngestion(
    new KnexUnitOfWork(knex),
    new KnexInbox(),
    router,
    clock,
    { maxBatchUpdates: settings.maxBatchUpdates },
    logger,
    settings.observers?.batches,
  );
  return { ingestion, stock, legacy, comparisons: new KnexComparisonStore(knex), settlement };
}
