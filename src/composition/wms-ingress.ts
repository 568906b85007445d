import type { Knex } from "knex";
import { OperationsService } from "../../gen/invsync/operations/v1/operations_service_pb.js";
import { WmsSyncService as WmsSyncServiceV2 } from "../../gen/invsync/wms/v2/wms_sync_service_pb.js";
import { backfillFile } from "../adapters/file-drop/backfill-file.js";
import { FileDropWatcher, type DroppedFileHandler } from "../adapters/file-drop/file-drop-watcher.js";
import { DEVELOPMENT_KEY_ID, developmentSigningKey } from "../adapters/http/development-signing-key.js";
import { wmsRequestGate, type RequestGate } from "../adapters/http/wms-request-gate.js";
import type { ServiceMetrics } from "../adapters/observability/metrics.js";
import { tracingOff, type Tracing } from "../adapters/observability/tracing.js";
import { KnexDroppedFiles } from "../adapters/persistence/knex-dropped-files.js";
import { KnexInboxArchive } from "../adapters/persistence/knex-inbox-archive.js";
import { KnexIngestionSwitch } from "../adapters/persistence/knex-ingestion-switch.js";
import { KnexPullCursors } from "../adapters/persistence/knex-pull-cursors.js";
import { KnexSeenSignatures } from "../adapters/persistence/knex-seen-signatures.js";
import { KnexSequenceGaps } from "../adapters/persistence/knex-sequence-gaps.js";
import { PgAdvisoryLease, WMS_PULL_JOB } from "../adapters/persistence/pg-advisory-lease.js";
import { auditedOperations } from "../adapters/rpc/audited-operations.js";
import type { AccessGate } from "../adapters/rpc/operator-access.js";
import { operationsService } from "../adapters/rpc/operations-service.js";
import { registerService, type RegisteredService } from "../adapters/rpc/registered-service.js";
import { guardService } from "../adapters/rpc/service-guard.js";
import { wmsV2SyncService } from "../adapters/rpc/wms-v2-sync-service.js";
import { WmsWriteLimit } from "../adapters/rpc/wms-write-limit.js";
import { HttpWmsFeed } from "../adapters/wms-client/http-wms-feed.js";
import type { Config } from "../config/config.js";
import type { Clock } from "../shared/clock.js";
import { uuidV7Ids } from "../shared/ids.js";
import { soleProcessLease, type Lease } from "../shared/lease.port.js";
import type { Logger } from "../shared/logger.js";
import type { AuditTrail } from "../reconciliation/application/audit-trail.js";
import { wmsDecoder } from "../wms-ingestion/acl/wms-decoder.js";
import { Backfill } from "../wms-ingestion/application/backfill.js";
import { FileIngestion } from "../wms-ingestion/application/file-ingestion.js";
import { GapMonitor } from "../wms-ingestion/application/gap-monitor.js";
import { InboxReplay } from "../wms-ingestion/application/inbox-replay.js";
import { IngestionControl, PausableIngestion } from "../wms-ingestion/application/ingestion-control.js";
import type { BatchIngestor } from "../wms-ingestion/application/wms-batch-ingestion.js";
import { WmsPull } from "../wms-ingestion/application/wms-pull.js";

/** The WMS ingress paths around the ingestion use case, wired (part of the composition root). */
export interface WmsIngress {
  /** Every ingestion path goes through this: it refuses batches while ingestion is paused. */
  readonly ingestor: BatchIngestor;
  /** The v2 WMS contract and the operations service. */
  readonly services: readonly RegisteredService[];
  /** Pause check, admission control and signature check in front of WMS requests. */
  readonly gate: RequestGate;
  /** Admission control of WMS writes, shared by the gateway's gate and the gRPC server. */
  readonly writeLimit: WmsWriteLimit;
  /** Starts the file drop watcher, the pull schedule and the gap checks that are configured. */
  start(): void;
  /** Stops them, letting the work in progress finish. */
  stop(): Promise<void>;
}

/** What the operator side brings to the ingress: the access gate, the audit trail, and the handler of dropped snapshot files. */
export interface IngressOperators {
  readonly access: AccessGate;
  readonly audit: AuditTrail;
  dropHandler(updates: DroppedFileHandler): DroppedFileHandler;
}

/** Wires the WMS ingress around `ingestion`: signing, pause, v2, file drop, pull, gaps, backfill, replay (audited). */
export function composeWmsIngress(
  config: Config,
  knex: Knex,
  ingestion: BatchIngestor,
  metrics: ServiceMetrics,
  clock: Clock,
  logger: Logger,
  operators: IngressOperators,
  tracing: Tracing = tracingOff,
): WmsIngress {
  const settings = config.wmsIngress;
  const mapper = { clock, maxFutureSkewMs: config.maxFutureSkewMs };
  const decoder = wmsDecoder(mapper);
  const control = new IngestionControl(new KnexIngestionSwitch(knex));
  const ingestor = new PausableIngestion(control, ingestion);
  const cursors = new KnexPullCursors(knex);
  const feed = settings.pullUrl
    ? new HttpWmsFeed({
        url: settings.pullUrl,
        schemaVersion: settings.pullSchemaVersion,
        authHeader: settings.pullAuthHeader,
        maxAttempts: settings.pullMaxAttempts,
        timeoutMs: settings.pullTimeoutMs,
        backoffMs: 500,
      })
    : undefined;
  const pull = new WmsPull(feed, cursors, decoder, ingestor, settings.pullPageSize, logger);
  // With several replicas one pulls on schedule and heals gaps (the holder of an advisory lock); all report gaps.
  const pullLease = config.databaseUrl && feed ? new PgAdvisoryLease(config.databaseUrl, WMS_PULL_JOB, logger) : soleProcessLease;
  const gaps = new GapMonitor(new KnexSequenceGaps(knex), pull, (found) => reportGaps(metrics, found), logger, pullLease);
  const files = new FileIngestion(ingestor, decoder, new KnexDroppedFiles(knex), { batchSize: settings.fileBatchSize, maxListedRejections: 1000 });
  const watcher = settings.dropDir ? new FileDropWatcher({ directory: settings.dropDir, pollMs: settings.dropPollMs, settleMs: 1000 }, operators.dropHandler(files), control, logger) : undefined;
  const backfill = new Backfill(pull, settings.dropDir ? backfillFile(settings.dropDir, files) : undefined, control);
  const replay = new InboxReplay(new KnexInboxArchive(knex), decoder, ingestor, uuidV7Ids, control);
  const seen = new KnexSeenSignatures(knex, settings.signatureToleranceMs);
  const keys = signingKeys(config, logger);
  const writeLimit = new WmsWriteLimit(settings.writeLimits);
  metrics.watchWmsWrites(writeLimit);
  const gate = wmsRequestGate(
    {
      signatureRequired: settings.signatureRequired,
      keys,
      toleranceMs: settings.signatureToleranceMs,
      maxBodyBytes: config.maxRequestBytes,
      retryAfterSeconds: settings.pausedRetryAfterSeconds,
      remember: (signature) => seen.remember(signature),
      refused: (code) => metrics.wmsRequestsRefused.inc({ code }),
      limit: writeLimit,
    },
    control,
    logger,
  );
  const timers = [
    ...settings.pullWmsIds.map((wmsId) => repeat(settings.pullIntervalMs, () => pullIfRunning(control, pullLease, pull, wmsId, logger))),
    repeat(settings.gapCheckIntervalMs, () => gaps.check().then(() => undefined)),
  ];

  return {
    ingestor,
    services: [
      registerService(WmsSyncServiceV2, guardService(WmsSyncServiceV2, wmsV2SyncService(ingestor, mapper, tracing), logger, operators.access)),
      registerService(
        OperationsService,
        guardService(
          OperationsService,
          auditedOperations(operationsService({ control, cursors, gaps, backfill, replay }), operators.audit, () => control.state(), clock),
          logger,
          operators.access,
        ),
      ),
    ],
    gate,
    writeLimit,
    start() {
      watcher?.start();
      if (feed) timers.forEach((timer) => timer.start());
      else timers.at(-1)!.start();
    },
    async stop() {
      await Promise.all([watcher?.stop(), ...timers.map((timer) => timer.stop())]);
      await pullLease.release();
    },
  };
}

function reportGaps(metrics: ServiceMetrics, found: readonly { wmsId: string; firstMissing: bigint; lastMissing: bigint }[]): void {
  metrics.sequenceGaps.reset();
  metrics.missingSequences.reset();
  for (const gap of found) {
    const wmsId = metrics.wmsIds.value(gap.wmsId);
    metrics.sequenceGaps.inc({ wms_id: wmsId });
    metrics.missingSequences.inc({ wms_id: wmsId }, Number(gap.lastMissing - gap.firstMissing + 1n));
  }
}

async function pullIfRunning(control: IngestionControl, lease: Lease, pull: WmsPull, wmsId: string, logger: Logger): Promise<void> {
  if ((await control.state()).paused || !(await lease.acquire())) return;
  const tally = await pull.pullNew(wmsId);
  if (tally.received > 0) logger.info({ wmsId, ...tally }, "wms pull applied new updates");
}

/**
 * The keys WMS requests are verified with, warning loudly about anything short of production: signing
 * off; no keys in the embedded mode (a development key is generated in the data folder); no keys
 * with a real database (every WMS write is refused until keys are configured).
 */
function signingKeys(config: Config, logger: Logger): ReadonlyMap<string, string> {
  const { signatureRequired, signingKeys: configured } = config.wmsIngress;
  if (!signatureRequired) {
    logger.warn({}, "WMS REQUEST SIGNING IS OFF (WMS_SIGNATURE_REQUIRED=false): anyone who reaches the gateway can change stock; for local development only");
    return configured;
  }
  if (configured.size > 0) return configured;
  if (config.databaseUrl === undefined) {
    const development = developmentSigningKey(config.dataDir);
    logger.warn(
      { keyId: DEVELOPMENT_KEY_ID, path: development.path },
      "no WMS_SIGNING_KEYS set: the embedded mode accepts WMS requests signed with its generated development key (scripts/wms-post.sh uses it); set WMS_SIGNING_KEYS anywhere else",
    );
    return development.keys;
  }
  logger.warn({}, "no WMS_SIGNING_KEYS set: every WMS write is refused (401 WMS.SIGNING_NOT_CONFIGURED) until keys are configured");
  return configured;
}

/** Runs `work` every `intervalMs` (never overlapping itself), logging failures. */
function repeat(intervalMs: number, work: () => Promise<void>): { start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = work().catch(() => undefined);
    void running.then(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs).unref();
    });
  };
  return {
    start: () => void (timer = setTimeout(tick, intervalMs).unref()),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
