import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";

/** A service description with its one implementation, served by both the gateway and gRPC. */
export interface RegisteredService<S extends DescService = DescService> {
  readonly service: S;
  readonly impl: ServiceImpl<S>;
}

/** Pairs `service` with `impl` (typed), for the list both servers take. */
export function registerService<S extends DescService>(service: S, impl: ServiceImpl<S>): RegisteredService {
  return { service, impl } as unknown as RegisteredService;
}

/** Connect routes for every registered service (Connect, gRPC-Web and gRPC protocols on the gateway). */
export function connectRoutes(services: readonly RegisteredService[]): (router: ConnectRouter) => void {
  return (router) => {
    for (const { service, impl } of services) router.service(service, impl);
  };
}
