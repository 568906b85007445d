import type { DescService } from "@bufbuild/protobuf";
import { createContextKey, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { Actor } from "../../reconciliation/domain/audit-entry.js";
import type { Logger } from "../../shared/logger.js";
import { inRequestScope } from "../observability/log-context.js";
import { toConnectError } from "./error-mapping.js";
import type { AccessGate } from "./operator-access.js";

/** The request id of a call: the caller's `x-request-id`, or one made up for it. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/** The operator behind a call to an operator endpoint (set by the access gate); undefined elsewhere. */
export const actorKey = createContextKey<Actor | undefined>(undefined, { description: "operator identity" });

/** Header that carries the request id both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

type AnyUnary = (request: unknown, context: HandlerContext) => Promise<unknown> | unknown;

/**
 * Wraps every method of `impl` so that: the call has a request id (echoed in `x-request-id`, and on
 * every log line written while serving it); it passes the access gate (operator endpoints need a
 * credential with the right role: see `access-policy.ts`; the caller's identity is then in
 * `actorKey`); and whatever it throws reaches the caller as a mapped ConnectError (see
 * `error-mapping.ts`). Both servers (Connect gateway, REST aliases and gRPC) serve the wrapped
 * implementation, so the gate holds on every transport.
 */
export function guardService<S extends DescService>(service: S, impl: ServiceImpl<S>, logger: Logger, access: AccessGate): ServiceImpl<S> {
  const guarded: Record<string, AnyUnary> = {};
  for (const method of service.methods) {
    const handler = (impl as unknown as Record<string, AnyUnary>)[method.localName];
    if (!handler) throw new Error(`${service.typeName} has no implementation of ${method.name}`);
    const rpc = `${service.typeName}/${method.name}`;
    guarded[method.localName] = (request, context) => {
      const requestId = assignRequestId(context);
      return inRequestScope({ requestId, rpc }, async () => {
        try {
          const actor = access.admit(service, method, context.requestHeader, requestId);
          if (actor) context.values.set(actorKey, actor);
          return await handler(request, context);
        } catch (error) {
          throw toConnectError(error, logger, requestId);
        }
      });
    };
  }
  return guarded as unknown as ServiceImpl<S>;
}

function assignRequestId(context: HandlerContext): string {
  const given = context.requestHeader.get(REQUEST_ID_HEADER);
  const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  context.values.set(requestIdKey, requestId);
  context.responseHeader.set(REQUEST_ID_HEADER, requestId);
  return requestId;
}
