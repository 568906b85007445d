import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";

/**
 * A Connect transport (HTTP/1.1, JSON) to the service's gateway at `baseUrl` that sends
 * the operator's bearer token with every call, when there is one.
 */
export function operatorTransport(baseUrl: string, token: string | undefined): Transport {
  const bearer: Interceptor = (next) => (request) => {
    if (token) request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] });
}
