import type { Config } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/config.js";
import { silentLogger, type Logger } from "../../src/shared/logger.js";
import { startService, type RunningService, type ServiceHooks } from "../../src/main.js";
import { createTestDatabase, NATS_URL, testStream, type TestDatabase, type TestStream } from "./test-servers.js";

/** The bearer token of the operator every test service knows (role operator). */
export const OPERATOR_TOKEN = "test-operator-token-0123456789abcdef";
/** The bearer token of the viewer every test service knows (role viewer). */
export const VIEWER_TOKEN = "test-viewer-token-0123456789abcdef";

/** A service started for a test, on its own database and stream, on ephemeral ports. */
export interface TestService {
  readonly config: Config;
  readonly service: RunningService;
  readonly database: TestDatabase;
  readonly stream: TestStream;
  /** `http://127.0.0.1:<gateway port>` */
  readonly baseUrl: string;
  /** `127.0.0.1:<gRPC port>` */
  readonly grpcAddress: string;
  /** Stops the service, then drops its database and stream. */
  stop(): Promise<void>;
  /**
   * Stops this service (keeping its database and stream) and starts a new one on them with the same
   * settings, as a deploy or a crash-and-restart does; the new one's `stop()` drops them.
   */
  restart(): Promise<TestService>;
}

/**
 * Starts the real service (composition root, real PostgreSQL and NATS) for a test suite. WMS
 * request signing is OFF here unless `env` turns it on (`WMS_SIGNATURE_REQUIRED: "true"` with
 * `WMS_SIGNING_KEYS`, see `signed-requests.ts`): suites about other contracts post unsigned
 * batches. The production default is "signature required". Operator endpoints accept
 * {@link OPERATOR_TOKEN} (`test-operator`) and {@link VIEWER_TOKEN} (`test-viewer`) unless `env`
 * sets `OPERATOR_TOKENS`.
 */
export async function startTestService(
  label: string,
  env: Record<string, string> = {},
  hooks: ServiceHooks & { readonly logger?: Logger } = {},
): Promise<TestService> {
  return serviceOn(await createTestDatabase(label), testStream(label), env, hooks);
}

async function serviceOn(
  database: TestDatabase,
  stream: TestStream,
  env: Record<string, string>,
  { logger, ...hooks }: ServiceHooks & { readonly logger?: Logger },
): Promise<TestService> {
  const config = loadConfig({
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_STREAM: stream.stream,
    NATS_SUBJECT_PREFIX: stream.subjectPrefix,
    HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    GRPC_PORT: "0",
    RELAY_IDLE_MS: "50",
    SHUTDOWN_GRACE_MS: "2000",
    LOG_LEVEL: "silent",
    WMS_SIGNATURE_REQUIRED: "false",
    OPERATOR_TOKENS: `test-operator:operator:${OPERATOR_TOKEN},test-viewer:viewer:${VIEWER_TOKEN}`,
    // With DATABASE_URL set the default flags keep every SKU on legacy; these suites test the new path.
    FLAGS_BOOTSTRAP_FILE: "flags/all-new.json",
    ...env,
  });
  const debugLogger = process.env.DEBUG_LOG ? (await import("../../src/adapters/observability/pino-logger.js")).createLogger("debug") : undefined;
  const service = await startService(config, logger ?? debugLogger ?? silentLogger, hooks);
  return {
    config,
    service,
    database,
    stream,
    baseUrl: `http://127.0.0.1:${service.gatewayPort}`,
    grpcAddress: `127.0.0.1:${service.grpcPort}`,
    async stop() {
      await service.stop();
      await stream.delete(config.natsUrl).catch(() => undefined);
      await database.drop();
    },
    async restart() {
      await service.stop();
      return serviceOn(database, stream, env, { logger, ...hooks });
    },
  };
}
