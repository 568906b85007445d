import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/** A request on either HTTP version, as connect-node hands it over. */
export type HttpRequest = Parameters<NodeHandler>[0];

/** A response on either HTTP version, as connect-node hands it over. */
export type HttpResponse = Parameters<NodeHandler>[1];
