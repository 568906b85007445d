import { toJsonString, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { parseArgs } from "node:util";
import { DiscrepancyKind, DiscrepancyStatus, OverrideReason } from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import { DiscrepancyResolution, ReconciliationService } from "../../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { droppedFile } from "../file-drop/file-source.js";
import { snapshotPages } from "../file-drop/snapshot-file.js";
import { describe, timestamp, wholeNumber, type CliOutput, type OperatorDefaults } from "./operations-cli.js";
import { operatorTransport } from "./operator-transport.js";

/** Usage of `invsync reconcile …` and `invsync audit`, for `invsync help`. */
export const RECONCILE_USAGE = `  reconcile run --pull [--wms-id ID]       reconcile now with a snapshot pulled from the WMS (WMS_SNAPSHOT_URL on the service)
  reconcile run --file PATH                reconcile now with a snapshot file inside the service's drop folder
  reconcile upload --file LOCAL --wms-id ID [--complete]
                                           send a local *.snapshot.csv / *.snapshot.jsonl through the API in pages, then compare
  reconcile runs [--limit N]               the latest runs, newest first
  reconcile show RUN_ID                    one run and its result
  reconcile discrepancies [--status open|auto_resolved|resolved|dismissed] [--kind count_mismatch|shortfall]
                          [--sku SKU] [--run RUN_ID] [--limit N]
  reconcile resolve ID (--accept-wms | --keep-ours) --note TEXT
  reconcile dismiss ID --note TEXT
  reconcile override SKU --count N --expected N --reason REASON --note TEXT [--location ID]
                                           REASON: ${Object.keys(OverrideReason).filter((k) => Number.isNaN(Number(k)) && k !== "UNSPECIFIED").join(", ")}
  audit [--sku SKU] [--location ID] [--action ACTION] [--from ISO] [--to ISO] [--limit N]
                                           the audit log, oldest first`;

/** The reconciliation commands. */
export const RECONCILE_COMMANDS = ["reconcile", "audit"] as const;

type Reconciliation = Client<typeof ReconciliationService>;

/** Runs `invsync reconcile …` or `invsync audit …` against the service's ReconciliationService; returns the exit code. */
export async function runReconcileCommand(args: readonly string[], defaults: OperatorDefaults, output: CliOutput): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: OPTIONS });
    const client = createClient(ReconciliationService, operatorTransport(values.url ?? defaults.serviceUrl, values.token ?? defaults.token));
    const print = (schema: DescMessage, message: unknown): number => {
      output.out(toJsonString(schema, message as never, { prettySpaces: 2, alwaysEmitImplicit: true }));
      return 0;
    };
    const [command, sub, target] = positionals;
    const method = (name: keyof typeof ReconciliationService.method) => ReconciliationService.method[name].output;
    if (command === "audit") return print(method("listAuditEntries"), await client.listAuditEntries(auditQuery(values)));
    switch (sub) {
      case "run":
        return print(method("runReconciliation"), await client.runReconciliation(runSource(values)));
      case "upload":
        return print(method("completeSnapshot"), await upload(client, values));
      case "runs":
        return print(method("listReconciliationRuns"), await client.listReconciliationRuns({ pageSize: wholeNumber(values.limit ?? "20", "--limit") }));
      case "show":
        return print(method("getReconciliationRun"), await client.getReconciliationRun({ runId: BigInt(wholeNumber(target ?? "", "RUN_ID")) }));
      case "discrepancies":
        return print(method("listDiscrepancies"), await client.listDiscrepancies(discrepancyQuery(values)));
      case "resolve":
        return print(
          method("resolveDiscrepancy"),
          await client.resolveDiscrepancy({ discrepancyId: BigInt(wholeNumber(target ?? "", "ID")), resolution: resolution(values), note: values.note ?? "" }),
        );
      case "dismiss":
        return print(method("dismissDiscrepancy"), await client.dismissDiscrepancy({ discrepancyId: BigInt(wholeNumber(target ?? "", "ID")), note: values.note ?? "" }));
      case "override":
        return print(method("overrideStockCount"), await client.overrideStockCount(override(target, values)));
      default:
        output.err(`unknown reconcile command "${positionals.join(" ")}"\n\n${RECONCILE_USAGE}`);
        return 2;
    }
  } catch (error) {
    output.err(describe(error));
    return 1;
  }
}

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  pull: { type: "boolean" },
  file: { type: "string" },
  "wms-id": { type: "string" },
  complete: { type: "boolean" },
  limit: { type: "string" },
  status: { type: "string" },
  kind: { type: "string" },
  sku: { type: "string" },
  run: { type: "string" },
  "accept-wms": { type: "boolean" },
  "keep-ours": { type: "boolean" },
  note: { type: "string" },
  count: { type: "string" },
  expected: { type: "string" },
  reason: { type: "string" },
  location: { type: "string" },
  action: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean>> & Record<string, string | boolean | undefined>;

function runSource(values: Values) {
  if (values.pull) return { source: { case: "pull" as const, value: { wmsId: str(values["wms-id"]) } } };
  if (typeof values.file === "string") return { source: { case: "filePath" as const, value: values.file } };
  throw new Error("say where the snapshot comes from: --pull or --file PATH");
}

async function upload(client: Reconciliation, values: Values) {
  if (typeof values.file !== "string") throw new Error("--file LOCAL_PATH is required");
  const file = await droppedFile(values.file);
  let runId: bigint | undefined;
  let lines = 0n;
  for await (const page of snapshotPages(file.name, () => file.lines, 5000)) {
    runId ??= (await client.beginSnapshot({ wmsId: str(values["wms-id"]), snapshotRef: file.name, takenAt: timestampFromDate(page.takenAt), complete: values.complete === true })).run!.runId;
    const counts = page.lines.map((l) => ({ sku: l.sku, locationId: l.locationId, quantity: l.quantity, observedAt: l.observedAt && timestampFromDate(l.observedAt) }));
    lines = (await client.addSnapshotCounts({ runId, counts })).lines;
  }
  if (runId === undefined) throw new Error(`${file.name} has no lines`);
  return client.completeSnapshot({ runId, expectedLines: lines });
}

function discrepancyQuery(values: Values) {
  return {
    status: enumValue(DiscrepancyStatus, values.status, "--status"),
    kind: enumValue(DiscrepancyKind, values.kind, "--kind"),
    sku: str(values.sku),
    runId: BigInt(values.run === undefined ? 0 : wholeNumber(str(values.run), "--run")),
    pageSize: wholeNumber(str(values.limit ?? "100"), "--limit"),
  };
}

function resolution(values: Values): DiscrepancyResolution {
  if (values["accept-wms"] === values["keep-ours"]) throw new Error("say how: --accept-wms or --keep-ours");
  return values["accept-wms"] ? DiscrepancyResolution.ACCEPT_WMS_COUNT : DiscrepancyResolution.KEEP_OURS;
}

function override(sku: string | undefined, values: Values) {
  return {
    sku: sku ?? "",
    locationId: str(values.location),
    countedOnHand: BigInt(wholeNumber(str(values.count), "--count")),
    expectedOnHand: BigInt(wholeNumber(str(values.expected), "--expected")),
    reason: enumValue(OverrideReason, values.reason, "--reason"),
    note: str(values.note),
  };
}

function auditQuery(values: Values) {
  return {
    sku: str(values.sku),
    locationId: str(values.location),
    action: str(values.action),
    from: timestamp(str(values.from) || undefined, "--from"),
    to: timestamp(str(values.to) || undefined, "--to"),
    pageSize: wholeNumber(str(values.limit ?? "100"), "--limit"),
  };
}

function enumValue<E extends Record<string, string | number>>(values: E, name: string | boolean | undefined, flag: string): E[keyof E] {
  if (name === undefined) return 0 as E[keyof E];
  const value = values[String(name).toUpperCase() as keyof E];
  if (typeof value !== "number") throw new Error(`${flag} must be one of ${Object.keys(values).filter((k) => Number.isNaN(Number(k))).join(", ").toLowerCase()}`);
  return value;
}

function str(value: string | boolean | undefined): string {
  return typeof value === "string" ? value : "";
}

