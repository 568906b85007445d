import type { Knex } from "knex";
import { HttpLegacyEndpoint } from "../adapters/legacy/http-legacy-endpoint.js";
import { KnexLegacyFeedQueue } from "../adapters/legacy/knex-legacy-feed-queue.js";
import { LegacyForwardMetrics } from "../adapters/observability/legacy-forward-metrics.js";
import type { ServiceMetrics } from "../adapters/observability/metrics.js";
import { LEGACY_FORWARDER_JOB, PgAdvisoryLease } from "../adapters/persistence/pg-advisory-lease.js";
import type { Config } from "../config/config.js";
import { LegacyForwarder } from "../migration/application/legacy-forwarder.js";
import type { Clock } from "../shared/clock.js";
import { soleProcessLease } from "../shared/lease.port.js";
import type { Logger } from "../shared/logger.js";

/** Longest wait between forwarding rounds while deliveries keep failing. */
const MAX_ROUND_BACKOFF_MS = 60_000;

/**
 * Wires the HTTP hand-off to legacy (part of the composition root): the forwarder when
 * `LEGACY_FORWARD_URL` is set (on the replica holding its advisory lock), undefined otherwise; its
 * metrics either way, so dashboards and alerts see the same series in both modes.
 */
export function composeLegacyForwarding(config: Config, knex: Knex, metrics: ServiceMetrics, clock: Clock, logger: Logger): LegacyForwarder | undefined {
  const settings = config.legacyForward;
  const queue = new KnexLegacyFeedQueue(knex);
  const observer = new LegacyForwardMetrics(metrics.registry, settings ? metrics.perScrape(() => queue.backlog()) : undefined);
  if (!settings) return undefined;
  const endpoint = new HttpLegacyEndpoint({ url: settings.url, authHeader: settings.authHeader, maxAttempts: settings.maxAttempts, timeoutMs: settings.timeoutMs, backoffMs: 500 });
  const log = logger.child({ component: "legacy-forwarder" });
  const url = new URL(settings.url);
  log.info({ endpoint: `${url.origin}${url.pathname}`, batchSize: settings.batchSize }, "legacy hand-off over HTTP: the feed is forwarded to legacy's endpoint");
  return new LegacyForwarder(
    queue,
    endpoint,
    config.databaseUrl ? new PgAdvisoryLease(config.databaseUrl, LEGACY_FORWARDER_JOB, log) : soleProcessLease,
    clock,
    log,
    { batchSize: settings.batchSize, pollMs: settings.pollMs, maxBackoffMs: MAX_ROUND_BACKOFF_MS },
    observer,
  );
}
