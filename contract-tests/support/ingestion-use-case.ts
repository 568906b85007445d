import type { Knex } from "knex";
import { KnexEventOutbox } from "../../src/adapters/persistence/knex-event-outbox.js";
import { KnexInbox } from "../../src/adapters/persistence/knex-inbox.js";
import { KnexStockRepository } from "../../src/adapters/persistence/knex-stock-repository.js";
import { KnexUnitOfWork } from "../../src/adapters/persistence/knex-unit-of-work.js";
import { StockCountApplier } from "../../src/inventory/application/stock-count-applier.js";
import { StockMovementApplier } from "../../src/inventory/application/stock-movement-applier.js";
import { systemClock } from "../../src/shared/clock.js";
import { uuidV7Ids } from "../../src/shared/ids.js";
import { silentLogger } from "../../src/shared/logger.js";
import { WmsBatchIngestion } from "../../src/wms-ingestion/application/wms-batch-ingestion.js";

/** The ingestion use case wired to real persistence, as main.ts wires it (no gateway, no relay): for adapter tests and benchmarks. */
export function ingestionUseCase(knex: Knex, maxBatchUpdates = 10_000) {
  const stock = new KnexStockRepository(knex);
  const outbox = new KnexEventOutbox(knex);
  const ingestion = new WmsBatchIngestion(
    new KnexUnitOfWork(knex),
    new KnexInbox(),
    new StockCountApplier(stock, outbox, systemClock, uuidV7Ids),
    new StockMovementApplier(stock, outbox, systemClock, uuidV7Ids),
    systemClock,
    { maxBatchUpdates },
    silentLogger,
  );
  return { ingestion, stock, outbox };
}
