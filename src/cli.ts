#!/usr/bin/env node
import { COHORT_USAGE, cohortCommand } from "./adapters/cli/cohort-command.js";
import { EVENTS_USAGE, eventsCommand } from "./adapters/cli/events-command.js";
import { GATES_USAGE, gatesCommand } from "./adapters/cli/gates-command.js";
import { loadEventStreamConfig } from "./config/event-stream-config.js";
import { ConfigError, loadConfig } from "./config/config.js";
import { createLogger } from "./adapters/observability/pino-logger.js";
import { migrateDatabase, startService } from "./main.js";
import { OPERATION_COMMANDS, OPERATIONS_USAGE, runOperationsCommand } from "./adapters/cli/operations-cli.js";
import { loadOperatorConfig } from "./config/operator-config.js";
import { RECONCILE_COMMANDS, RECONCILE_USAGE, runReconcileCommand } from "./adapters/cli/reconcile-cli.js";

const USAGE = `usage: invsync <command>

commands:
  serve     run the service (the default): gateway, gRPC server and outbox relay
  migrate   bring the database schema up to date, then exit
  cohort    cohort status of the strangler migration (see "invsync cohort help")
  gates     the migration scorecard and its gates; exit 1 unless every gate passes (see "invsync gates --help")
  help      show this text
${OPERATIONS_USAGE}

${RECONCILE_USAGE}

${EVENTS_USAGE}

Configuration comes from environment variables; see docs/configuration.md.`;

/** Entry point of the `invsync` command. */
async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0] ?? "serve";
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  if ((OPERATION_COMMANDS as readonly string[]).includes(command)) {
    return runOperationsCommand(argv, loadOperatorConfig(process.env), { out: (line) => console.log(line), err: (line) => console.error(line) });
  }
  if ((RECONCILE_COMMANDS as readonly string[]).includes(command)) {
    return runReconcileCommand(argv, loadOperatorConfig(process.env), { out: (line) => console.log(line), err: (line) => console.error(line) });
  }
  if (command === "cohort") {
    if (argv[1] === "help" || argv[1] === "--help") {
      console.log(COHORT_USAGE);
      return 0;
    }
    return cohortCommand(argv.slice(1), loadOperatorConfig(process.env));
  }
  if (command === "gates") {
    if (argv[1] === "help" || argv[1] === "--help") {
      console.log(GATES_USAGE);
      return 0;
    }
    return gatesCommand(argv.slice(1), loadOperatorConfig(process.env), { out: (line) => console.log(line), err: (line) => console.error(line) });
  }
  if (command === "events") {
    return eventsCommand(argv.slice(1), loadEventStreamConfig(process.env), { out: (line) => console.log(line), err: (line) => console.error(line) });
  }
  if (command !== "serve" && command !== "migrate") {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  if (command === "migrate") {
    await migrateDatabase(config, logger);
    logger.info({}, "database schema is up to date");
    return 0;
  }
  const service = await startService(config, logger);
  process.on("unhandledRejection", (reason) => logger.error({ err: String(reason) }, "unhandled promise rejection"));
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, "shutting down: draining requests and the outbox relay");
      resolve();
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
  });
  await service.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error("inventory-sync failed to start:", error instanceof Error ? error.stack : error);
    // Exit now: connections opened before the failure (NATS retrying, the embedded database) would
    // otherwise keep a half-started process alive, holding its data folder's lock.
    process.exit(1);
  },
);
