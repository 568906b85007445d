import type { HandlerContext } from "@connectrpc/connect";
import type { Tracing } from "../observability/tracing.js";
import type { RegisteredService } from "./registered-service.js";
import { REQUEST_ID_HEADER } from "./service-guard.js";

type AnyUnary = (request: unknown, context: HandlerContext) => Promise<unknown> | unknown;

/**
 * Wraps every method of a registered (guarded) service in a server span: one per call, on every
 * transport (Connect, gRPC-Web, grpc-js, REST alias), continuing the caller's W3C `traceparent`
 * when it sends one. Applied only when tracing is on.
 */
export function tracedService(registered: RegisteredService, tracing: Tracing): RegisteredService {
  const { service } = registered;
  const impl = registered.impl as unknown as Record<string, AnyUnary>;
  const traced: Record<string, AnyUnary> = {};
  for (const method of service.methods) {
    const handler = impl[method.localName]!;
    const name = `${service.typeName}/${method.name}`;
    traced[method.localName] = (request, context) => {
      const carrier = { traceparent: context.requestHeader.get("traceparent") ?? undefined, tracestate: context.requestHeader.get("tracestate") ?? undefined };
      const attributes = { "rpc.system": context.protocolName, "rpc.service": service.typeName, "rpc.method": method.name };
      return tracing.inSpan(
        name,
        attributes,
        async (notes) => {
          try {
            return await handler(request, context);
          } finally {
            notes.set({ "invsync.request_id": context.responseHeader.get(REQUEST_ID_HEADER) ?? "" });
          }
        },
        { kind: "server", carrier },
      );
    };
  }
  return { service, impl: traced as unknown as RegisteredService["impl"] };
}
