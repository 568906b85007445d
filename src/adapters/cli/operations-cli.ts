import { create, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { parseArgs } from "node:util";
import { BackfillRequestSchema, OperationsService } from "../../../gen/invsync/operations/v1/operations_service_pb.js";
import { operatorTransport } from "./operator-transport.js";
import { describe, timestamp, wholeNumber, type CliOutput, type OperatorDefaults } from "./cli-support.js";
import { RULES_USAGE, runRulesCommand, runSyncCommand, SYNC_USAGE } from "./routing-cli.js";

export { describe, timestamp, wholeNumber, type CliOutput, type OperatorDefaults } from "./cli-support.js";

/** Usage of the operator commands, for `invsync help`. */
export const OPERATIONS_USAGE = `  ingestion pause --reason TEXT   stop applying WMS updates on every replica (WMS pushes get 503 + Retry-After)
  ingestion resume                apply WMS updates again
  ingestion status                paused or not, and each pull cursor
  gaps [--wms-id ID]              sequence ranges that never arrived
  backfill --wms-id ID [--from-sequence N] [--to-sequence N] [--from-time ISO] [--to-time ISO]
                                  pull a range from the WMS (WMS_PULL_URL on the service)
  backfill --file PATH            ingest a file inside the service's drop folder
  replay [--status rejected|stale|applied] [--sku SKU] [--wms-id ID] [--from ISO] [--to ISO] [--limit N]
                                  re-run stored updates through the current mapper (never applied twice)
${RULES_USAGE}
${SYNC_USAGE}

  Operator commands call the running service's OperationsService over Connect at --url
  (default INVSYNC_URL, else http://127.0.0.1:8080) with the bearer token --token (default
  INVSYNC_TOKEN; rules calls RoutingRuleService, sync ReservationSyncService): reads need a viewer or operator token, writes an operator token.`;

/** The operator commands. */
export const OPERATION_COMMANDS = ["ingestion", "gaps", "backfill", "replay", "rules", "sync"] as const;

/** Runs an operator command (`args` without the program name) against the service; returns the exit code. */
export async function runOperationsCommand(args: readonly string[], defaults: OperatorDefaults, output: CliOutput): Promise<number> {
  if (args[0] === "rules") return runRulesCommand(args, defaults, output);
  if (args[0] === "sync") return runSyncCommand(args, defaults, output);
  try {
    return await run(args, defaults, output);
  } catch (error) {
    output.err(describe(error));
    return 1;
  }
}

async function run(args: readonly string[], defaults: OperatorDefaults, output: CliOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      reason: { type: "string" },
      "wms-id": { type: "string" },
      "from-sequence": { type: "string" },
      "to-sequence": { type: "string" },
      "from-time": { type: "string" },
      "to-time": { type: "string" },
      file: { type: "string" },
      status: { type: "string" },
      sku: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      limit: { type: "string" },
    },
  });
  const client = createClient(OperationsService, operatorTransport(values.url ?? defaults.serviceUrl, values.token ?? defaults.token));
  const print = (schema: Parameters<typeof toJsonString>[0], message: unknown): number => {
    output.out(toJsonString(schema, message as never, { prettySpaces: 2, alwaysEmitImplicit: true }));
    return 0;
  };
  const [command, sub] = positionals;
  switch (`${command} ${sub ?? ""}`.trim()) {
    case "ingestion pause":
      return print(OperationsService.method.pauseIngestion.output, await client.pauseIngestion({ reason: values.reason ?? "" }));
    case "ingestion resume":
      return print(OperationsService.method.resumeIngestion.output, await client.resumeIngestion({}));
    case "ingestion status":
      return print(OperationsService.method.getIngestionStatus.output, await client.getIngestionStatus({}));
    case "gaps":
      return print(OperationsService.method.listGaps.output, await client.listGaps({ wmsId: values["wms-id"] ?? "" }));
    case "backfill":
      return print(OperationsService.method.backfill.output, await client.backfill(backfillRequest(values)));
    case "replay":
      return print(
        OperationsService.method.replay.output,
        await client.replay({
          status: values.status ?? "",
          sku: values.sku ?? "",
          wmsId: values["wms-id"] ?? "",
          receivedFrom: timestamp(values.from, "--from"),
          receivedTo: timestamp(values.to, "--to"),
          limit: values.limit === undefined ? 0 : wholeNumber(values.limit, "--limit"),
        }),
      );
    default:
      output.err(`unknown operator command "${positionals.join(" ")}"\n\n${OPERATIONS_USAGE}`);
      return 2;
  }
}

function backfillRequest(values: Record<string, string | undefined>): MessageInitShape<typeof BackfillRequestSchema> {
  if (values.file !== undefined) return create(BackfillRequestSchema, { source: { case: "filePath", value: values.file } });
  return create(BackfillRequestSchema, {
    source: {
      case: "pull",
      value: {
        wmsId: values["wms-id"] ?? "",
        fromSequence: BigInt(wholeNumber(values["from-sequence"] ?? "0", "--from-sequence")),
        toSequence: BigInt(wholeNumber(values["to-sequence"] ?? "0", "--to-sequence")),
        fromTime: timestamp(values["from-time"], "--from-time"),
        toTime: timestamp(values["to-time"], "--to-time"),
      },
    },
  });
}
