import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ConsoleService } from "../../gen/invsync/console/v1/console_service_pb.js";
import { ErrorDetailSchema } from "../../gen/invsync/errors/v1/error_detail_pb.js";
import { InventoryService } from "../../gen/invsync/inventory/v1/inventory_service_pb.js";
import { ReconciliationService } from "../../gen/invsync/inventory/v1/reconciliation_service_pb.js";
import { RoutingRuleService } from "../../gen/invsync/inventory/v1/routing_rule_service_pb.js";
import { MigrationService } from "../../gen/invsync/migration/v1/migration_service_pb.js";
import { OperationsService } from "../../gen/invsync/operations/v1/operations_service_pb.js";

const TOKEN_KEY = "invsync.console.token";

/** The operator's bearer token, kept for this browser tab only (session storage). */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

const bearer: Interceptor = (next) => async (request) => {
  const token = session.token();
  if (token) request.header.set("authorization", `Bearer ${token}`);
  return next(request);
};

// The service's own Connect APIs, JSON on this origin (the gateway serves the console and the APIs on one port).
const transport = createConnectTransport({ baseUrl: location.origin, interceptors: [bearer], useBinaryFormat: false, jsonOptions: { ignoreUnknownFields: true } });

export const api = {
  reconciliation: createClient(ReconciliationService, transport),
  operations: createClient(OperationsService, transport),
  migration: createClient(MigrationService, transport),
  inventory: createClient(InventoryService, transport),
  console: createClient(ConsoleService, transport),
  routing: createClient(RoutingRuleService, transport),
};

/** A refusal from the server, as the console shows it. */
export interface Problem {
  /** The Connect code, for example "aborted", "permission_denied". */
  readonly code: string;
  readonly connectCode: Code;
  /** The server's message. */
  readonly message: string;
  /** The stable code of invsync.errors.v1.ErrorDetail, for example "RECONCILIATION.STALE_EXPECTATION"; empty when none came. */
  readonly detailCode: string;
  /** Invalid fields, by the request's field path (snake_case, as the server names them). */
  readonly violations: ReadonlyArray<{ readonly field: string; readonly reason: string }>;
  readonly metadata: Readonly<Record<string, string>>;
}

const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Code).filter(([, v]) => typeof v === "number").map(([k, v]) => [v as number, k.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase())]),
);

/** `error` as a {@link Problem}; a network failure is `unavailable`. */
export function problemOf(error: unknown): Problem {
  const connectError = ConnectError.from(error);
  const [detail] = connectError.findDetails(ErrorDetailSchema);
  return {
    code: CODE_NAMES[connectError.code] ?? String(connectError.code),
    connectCode: connectError.code,
    message: connectError.rawMessage,
    detailCode: detail?.code ?? "",
    violations: detail?.fieldViolations.map((v) => ({ field: v.field, reason: v.reason })) ?? [],
    metadata: detail?.metadata ?? {},
  };
}

/** Listeners told when the server says the token is not (or no longer) valid. */
const signedOutListeners: Array<(problem: Problem) => void> = [];
export function onCredentialRefused(listener: (problem: Problem) => void): void {
  signedOutListeners.push(listener);
}

/**
 * Runs `call`; a refusal becomes a {@link Problem} (`{ problem }`), a credential the server does
 * not know also signs the tab out.
 */
export async function attempt<T>(call: () => Promise<T>): Promise<{ value: T; problem?: undefined } | { value?: undefined; problem: Problem }> {
  try {
    return { value: await call() };
  } catch (error) {
    const problem = problemOf(error);
    if (problem.connectCode === Code.Unauthenticated) for (const listener of signedOutListeners) listener(problem);
    return { problem };
  }
}

/** The relay backlog and dependencies as `/readyz` reports them (no credential needed). */
export async function readiness(): Promise<Record<string, unknown>> {
  const response = await fetch("/readyz", { headers: { accept: "application/json" } });
  return (await response.json()) as Record<string, unknown>;
}
