import { create, fromBinary, toBinary, type DescFile, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ConnectError, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import { grpcStatusDetails } from "./error-mapping.js";
import type { RegisteredService } from "./registered-service.js";

/** Where and how the internal gRPC server listens. */
export interface GrpcServerSettings {
  readonly host: string;
  readonly port: number;
  readonly maxMessageBytes: number;
}

/** A running gRPC server. */
export interface RunningGrpcServer {
  /** The port it listens on (useful when 0 was asked for). */
  readonly port: number;
  /** Sets the standard health service's status of every service. */
  setServing(serving: boolean): void;
  /** Stops taking calls, lets running ones finish for up to `graceMs`, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

type UnaryImpl = (request: unknown, context: HandlerContext) => Promise<unknown> | unknown;

/**
 * Serves the registered services over gRPC (HTTP/2 cleartext) with `@grpc/grpc-js`, from the same
 * implementations as the Connect gateway. Definitions are built from the protobuf-es descriptors;
 * the standard health service and server reflection are served too.
 */
export async function startGrpcServer(services: readonly RegisteredService[], settings: GrpcServerSettings): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": settings.maxMessageBytes,
    "grpc.max_send_message_length": settings.maxMessageBytes,
  });
  for (const { service, impl } of services) {
    server.addService(serviceDefinition(service), serviceHandlers(service, impl as unknown as Record<string, UnaryImpl>));
  }
  const names = services.map((s) => s.service.typeName);
  const health = new HealthImplementation(statusMap(names, "SERVING"));
  health.addToServer(server);
  new ReflectionService(reflectionPackage(services)).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${settings.host}:${settings.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    setServing(serving) {
      for (const [name, status] of Object.entries(statusMap(names, serving ? "SERVING" : "NOT_SERVING"))) {
        health.setStatus(name, status);
      }
    },
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

function statusMap(names: readonly string[], status: ServingStatus): Record<string, ServingStatus> {
  return Object.fromEntries([["", status], ...names.map((name) => [name, status])]);
}

function methodPath(service: DescService, method: DescMethod): string {
  return `/${service.typeName}/${method.name}`;
}

function serviceDefinition(service: DescService): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary") throw new Error(`${method.name}: only unary methods are served over gRPC`);
    definition[method.localName] = {
      path: methodPath(service, method),
      requestStream: false,
      responseStream: false,
      requestSerialize: (message) => Buffer.from(toBinary(method.input, message as never)),
      requestDeserialize: (bytes: Buffer) => decodeRequest(method, bytes),
      responseSerialize: (message) => Buffer.from(toBinary(method.output, message as never)),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      originalName: method.name,
    };
  }
  return definition as grpc.ServiceDefinition;
}

function serviceHandlers(service: DescService, impl: Record<string, UnaryImpl>): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const implementation = impl[method.localName]!;
    handlers[method.localName] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      if (call.request instanceof UndecodableRequest) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: call.request.reason });
        return;
      }
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      const deadline = call.getDeadline();
      const context = createHandlerContext({
        service,
        method,
        protocolName: "grpc",
        requestMethod: "POST",
        url: methodPath(service, method),
        requestHeader: metadataToHeaders(call.metadata),
        requestSignal: abort.signal,
        timeoutMs: deadline instanceof Date ? Math.max(0, deadline.getTime() - Date.now()) : undefined,
      });
      Promise.resolve()
        .then(() => implementation(call.request, context))
        .then(
          (response) => {
            call.sendMetadata(headersToMetadata(context.responseHeader));
            callback(null, create(method.output, response as never));
          },
          (error: unknown) => {
            const connectError = ConnectError.from(error);
            const metadata = headersToMetadata(context.responseHeader);
            metadata.set("grpc-status-details-bin", Buffer.from(grpcStatusDetails(connectError)));
            callback({ code: connectError.code as number as grpc.status, details: connectError.rawMessage, metadata });
          },
        );
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return handlers;
}

/** A request message that did not decode: the handler answers InvalidArgument with the reason (grpc-js would say Internal). */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

function decodeRequest(method: DescMethod, bytes: Buffer): unknown {
  try {
    return fromBinary(method.input, bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new UndecodableRequest(`request is not a valid ${method.input.typeName} in protobuf binary: ${reason}`);
  }
}

function metadataToHeaders(metadata: grpc.Metadata): Headers {
  const result = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (!key.endsWith("-bin")) result.append(key, String(value));
  }
  return result;
}

function headersToMetadata(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  headers.forEach((value, key) => metadata.set(key, value));
  return metadata;
}

function reflectionPackage(services: readonly RegisteredService[]): ConstructorParameters<typeof ReflectionService>[0] {
  const files = new Map<string, Buffer>();
  const visit = (file: DescFile): void => {
    if (files.has(file.name)) return;
    files.set(file.name, Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
    file.dependencies.forEach(visit);
  };
  services.forEach(({ service }) => visit(service.file));
  const fileDescriptorProtos = [...files.values()];
  return Object.fromEntries(services.map(({ service }) => [service.typeName, { fileDescriptorProtos }])) as never;
}
