import { AsyncLocalStorage } from "node:async_hooks";
import { activeTraceId } from "./tracing.js";

/** What every log line of one request carries. */
export interface RequestScope {
  readonly requestId: string;
  /** The RPC being served, `invsync.wms.v1.WmsSyncService/SyncInventory` style. */
  readonly rpc: string;
}

const scopes = new AsyncLocalStorage<RequestScope>();

/** Runs `work` (and everything it starts) as part of the request described by `scope`. */
export function inRequestScope<T>(scope: RequestScope, work: () => T): T {
  return scopes.run(scope, work);
}

/**
 * The fields added to each log line (pino `mixin`): the request id and RPC of the request being
 * served, and the trace id of the active span. Empty outside a request and a span.
 */
export function logContext(): Record<string, string> {
  const scope = scopes.getStore();
  const traceId = activeTraceId();
  if (!scope) return traceId ? { traceId } : {};
  return traceId ? { requestId: scope.requestId, rpc: scope.rpc, traceId } : { requestId: scope.requestId, rpc: scope.rpc };
}
