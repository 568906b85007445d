import { create, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { parseArgs } from "node:util";
import { BackfillRequestSchema, OperationsService } from "../../../gen/invsync/operations/v1/operations_service_pb.js";
import { errorDetailOf } from "../rpc/error-mapping.js";
import { operatorTransport } from "./operator-transport.js";

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

  Operator commands call the running service's OperationsService over Connect at --url
  (default INVSYNC_URL, else http://127.0.0.1:8080) with the bearer token --token (default
  INVSYNC_TOKEN): reads need a viewer or operator token, writes an operator token.`;

/** Where to write. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** The operator commands. */
export const OPERATION_COMMANDS = ["ingestion", "gaps", "backfill", "replay"] as const;

/** Where the service is and the token to call it with, unless `--url` / `--token` say otherwise. */
export interface OperatorDefaults {
  readonly serviceUrl: string;
  readonly token: string | undefined;
}

/** Runs an operator command (`args` without the program name) against the service; returns the exit code. */
export async function runOperationsCommand(args: readonly string[], defaults: OperatorDefaults, output: CliOutput): Promise<number> {
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

/** `value` as a whole number, or an error naming `flag`. */
export function wholeNumber(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

/** `value` (ISO 8601) as a Timestamp, undefined when unset, or an error naming `flag`. */
export function timestamp(value: string | undefined, flag: string) {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`${flag} must be an ISO 8601 time, got "${value}"`);
  return timestampFromDate(date);
}

/** An error as the operator commands print it: the stable code, the message and each bad field. */
export function describe(error: unknown): string {
  if (error instanceof ConnectError) {
    const detail = errorDetailOf(error);
    const fields = detail?.fieldViolations.map((v) => `\n  ${v.field}: ${v.reason}`).join("") ?? "";
    return `error: ${detail?.code ?? Code[error.code]}: ${error.rawMessage}${fields}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
