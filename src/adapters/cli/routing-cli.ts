import { toJsonString } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { parseArgs } from "node:util";
import { SplitPolicy } from "../../../gen/invsync/inventory/v1/routing_rule_pb.js";
import { RoutingRuleService } from "../../../gen/invsync/inventory/v1/routing_rule_service_pb.js";
import { ReservationSyncService, SyncMessageStatus } from "../../../gen/invsync/inventory/v1/reservation_sync_service_pb.js";
import { describe, wholeNumber, type CliOutput, type OperatorDefaults } from "./cli-support.js";
import { operatorTransport } from "./operator-transport.js";

/** Usage of `invsync rules …`, for `invsync help`. */
export const RULES_USAGE = `  rules list [--channel C] [--region R]
                                  every routing rule, or those a channel and region get, in the order tried
  rules get RULE_ID               one routing rule
  rules put RULE_ID --warehouse LOC[:SAFETY] [--warehouse …] --split never|N [--channel C] [--region R]
            [--priority N] [--description TEXT] [--expected-version N] [--reason TEXT]
                                  create or replace a rule: eligible warehouses in order, safety stock each,
                                  never split or split up to N locations
  rules delete RULE_ID [--reason TEXT]
                                  remove a rule`;

/** Runs `invsync rules …` (`args` without the program name) against the service's RoutingRuleService. */
export async function runRulesCommand(args: readonly string[], defaults: OperatorDefaults, output: CliOutput): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        channel: { type: "string" },
        region: { type: "string" },
        priority: { type: "string" },
        warehouse: { type: "string", multiple: true },
        split: { type: "string" },
        description: { type: "string" },
        "expected-version": { type: "string" },
        reason: { type: "string" },
      },
    });
    const client = createClient(RoutingRuleService, operatorTransport(values.url ?? defaults.serviceUrl, values.token ?? defaults.token));
    const print = (schema: Parameters<typeof toJsonString>[0], message: unknown): number => {
      output.out(toJsonString(schema, message as never, { prettySpaces: 2 }));
      return 0;
    };
    const [, sub, ruleId = ""] = positionals;
    switch (sub) {
      case "list":
        return print(RoutingRuleService.method.listRoutingRules.output, await client.listRoutingRules({ channel: values.channel ?? "", region: values.region ?? "" }));
      case "get":
        return print(RoutingRuleService.method.getRoutingRule.output, await client.getRoutingRule({ ruleId }));
      case "delete":
        return print(RoutingRuleService.method.deleteRoutingRule.output, await client.deleteRoutingRule({ ruleId, reason: values.reason ?? "" }));
      case "put": {
        const split = values.split ?? "";
        const maxLocations = split === "never" || split === "" ? 0 : wholeNumber(split, "--split");
        const response = await client.putRoutingRule({
          rule: {
            ruleId,
            channel: values.channel ?? "",
            region: values.region ?? "",
            priority: values.priority === undefined ? 0 : wholeNumber(values.priority, "--priority"),
            warehouses: (values.warehouse ?? []).map(warehouse),
            split: split === "" ? SplitPolicy.UNSPECIFIED : split === "never" ? SplitPolicy.NEVER : SplitPolicy.ALLOWED,
            maxLocations,
            description: values.description ?? "",
          },
          ...(values["expected-version"] === undefined ? {} : { expectedVersion: wholeNumber(values["expected-version"], "--expected-version") }),
          reason: values.reason ?? "",
        });
        return print(RoutingRuleService.method.putRoutingRule.output, response);
      }
      default:
        output.err(`unknown rules command "${positionals.join(" ")}"\n\n${RULES_USAGE}`);
        return 2;
    }
  } catch (error) {
    output.err(describe(error));
    return 1;
  }
}

/** `LOC` or `LOC:SAFETY` as a rule warehouse; a safety stock that is not a whole number is an error naming the flag. */
function warehouse(value: string): { locationId: string; safetyStock: bigint } {
  const at = value.lastIndexOf(":");
  if (at < 0) return { locationId: value, safetyStock: 0n };
  const safety = value.slice(at + 1);
  if (!/^-?\d+$/.test(safety)) throw new Error(`--warehouse ${value}: the safety stock after ':' must be a whole number`);
  return { locationId: value.slice(0, at), safetyStock: BigInt(safety) };
}

/** Usage of `invsync sync …`, for `invsync help`. */
export const SYNC_USAGE = `  sync status                     the reservation sync to the WMS: on or off, pending, parked, oldest
  sync list [--status pending|delivered|parked] [--limit N]
                                  sync messages in commit order, with attempts, errors and acknowledgements
  sync retry [MESSAGE_ID …] [--reason TEXT]
                                  send parked messages again (all parked ones when none is named)`;

const SYNC_STATUSES = { pending: SyncMessageStatus.PENDING, delivered: SyncMessageStatus.DELIVERED, parked: SyncMessageStatus.PARKED } as const;

/** Runs `invsync sync …` against the service's ReservationSyncService. */
export async function runSyncCommand(args: readonly string[], defaults: OperatorDefaults, output: CliOutput): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { url: { type: "string" }, token: { type: "string" }, status: { type: "string" }, limit: { type: "string" }, reason: { type: "string" } },
    });
    const client = createClient(ReservationSyncService, operatorTransport(values.url ?? defaults.serviceUrl, values.token ?? defaults.token));
    const print = (schema: Parameters<typeof toJsonString>[0], message: unknown): number => {
      output.out(toJsonString(schema, message as never, { prettySpaces: 2 }));
      return 0;
    };
    const [, sub, ...ids] = positionals;
    switch (sub) {
      case "status":
        return print(ReservationSyncService.method.getReservationSyncStatus.output, await client.getReservationSyncStatus({}));
      case "list": {
        const status = values.status ?? "";
        if (status !== "" && !(status in SYNC_STATUSES)) throw new Error(`--status must be pending, delivered or parked, got "${status}"`);
        const pageSize = values.limit === undefined ? 0 : wholeNumber(values.limit, "--limit");
        const request = { status: status === "" ? SyncMessageStatus.UNSPECIFIED : SYNC_STATUSES[status as keyof typeof SYNC_STATUSES], pageSize };
        return print(ReservationSyncService.method.listReservationSyncMessages.output, await client.listReservationSyncMessages(request));
      }
      case "retry":
        return print(ReservationSyncService.method.retryReservationSyncMessages.output, await client.retryReservationSyncMessages({ messageIds: ids, reason: values.reason ?? "" }));
      default:
        output.err(`unknown sync command "${positionals.join(" ")}"\n\n${SYNC_USAGE}`);
        return 2;
    }
  } catch (error) {
    output.err(describe(error));
    return 1;
  }
}
