import type { Knex } from "knex";
import { encodeAlert } from "../adapters/messaging/stock-alert-codec.js";
import { JetStreamStockChangeFeed } from "../adapters/messaging/jetstream-stock-change-feed.js";
import { LowStockMetrics } from "../adapters/observability/low-stock-metrics.js";
import type { ServiceMetrics } from "../adapters/observability/metrics.js";
import { KnexDepletionEstimates } from "../adapters/persistence/knex-depletion-estimates.js";
import { KnexLowStockAlertOutbox } from "../adapters/persistence/knex-low-stock-alert-outbox.js";
import { KnexUnitOfWork } from "../adapters/persistence/knex-unit-of-work.js";
import { LOW_STOCK_JOB, PgAdvisoryLease } from "../adapters/persistence/pg-advisory-lease.js";
import type { Config } from "../config/config.js";
import { LowStockMonitor } from "../low-stock/application/low-stock-monitor.js";
import { lowStockPolicy } from "../low-stock/domain/low-stock-policy.js";
import type { Clock } from "../shared/clock.js";
import { uuidV7Ids } from "../shared/ids.js";
import { soleProcessLease } from "../shared/lease.port.js";
import type { Logger } from "../shared/logger.js";

/** Feed messages applied per transaction. */
const BATCH_SIZE = 1000;

/**
 * Wires predictive low-stock alerts (part of the composition root): the monitor when
 * `LOW_STOCK_ALERTS` is on (working on the replica holding its advisory lock), undefined
 * otherwise; its metrics either way, so dashboards and alerts see the same series in both modes.
 * `wakeRelay` is called after alerts commit, so the relay publishes them at once.
 */
export function composeLowStock(config: Config, knex: Knex, metrics: ServiceMetrics, wakeRelay: () => void, clock: Clock, logger: Logger): LowStockMonitor | undefined {
  const settings = config.lowStock;
  const estimates = new KnexDepletionEstimates(knex);
  const feed = settings.enabled ? new JetStreamStockChangeFeed({ url: config.natsUrl, stream: config.natsStream, subjectPrefix: config.natsSubjectPrefix }) : undefined;
  const lag = async () => {
    const end = await feed?.end();
    return end === undefined ? undefined : Math.max(0, end - (await estimates.position()));
  };
  const observer = new LowStockMetrics(metrics.registry, feed ? { runningLowByLocation: metrics.perScrape(() => estimates.runningLowByLocation()), lag: metrics.perScrape(lag) } : undefined);
  if (!feed) return undefined;
  const policy = lowStockPolicy({ horizonMs: settings.horizonMs, halfLifeMs: settings.halfLifeMs, clearFactor: settings.clearFactor });
  const log = logger.child({ component: "low-stock" });
  log.info({ horizonMinutes: settings.horizonMs / 60_000, halfLifeMinutes: settings.halfLifeMs / 60_000, clearFactor: settings.clearFactor }, "low-stock alerts on: depletion is estimated from the event stream");
  return new LowStockMonitor(
    feed,
    estimates,
    new KnexLowStockAlertOutbox(encodeAlert, wakeRelay, config.relayBatchSize, config.relayScale.partitions),
    new KnexUnitOfWork(knex),
    config.databaseUrl ? new PgAdvisoryLease(config.databaseUrl, LOW_STOCK_JOB, log) : soleProcessLease,
    policy,
    clock,
    uuidV7Ids,
    log,
    { batchSize: BATCH_SIZE, pollMs: 500, waitMs: 1000, sweepEveryMs: settings.sweepIntervalMs },
    observer,
  );
}
