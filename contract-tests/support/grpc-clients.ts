import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * gRPC clients built with `@grpc/grpc-js` and `@grpc/proto-loader` straight from the .proto files:
 * independent of the service's generated code, so these tests pin the wire contract itself.
 */
const PROTO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../proto");
const require = createRequire(import.meta.url);
const HEALTH_PROTO = require.resolve("grpc-health-check/proto/health/v1/health.proto");
const REFLECTION_PROTO = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto/grpc/reflection/v1/reflection.proto");

const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_ROOT] };

/** A promisified unary call: `call(client, "getInventory", request)`. */
export function unary<T = any>(client: grpc.Client, method: string, request: object, metadata = new grpc.Metadata()): Promise<T> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, Function>)[method]!.call(client, request, metadata, (error: grpc.ServiceError | null, response: T) =>
      error ? reject(error) : resolve(response),
    );
  });
}

function load(file: string, includeDirs: string[] = [PROTO_ROOT]): grpc.GrpcObject {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs }));
}

function lookup(root: grpc.GrpcObject, path: string): grpc.ServiceClientConstructor {
  return path.split(".").reduce<any>((node, part) => node[part], root) as grpc.ServiceClientConstructor;
}

/** Clients for each service of the internal gRPC port at `address` (`options`: grpc-js channel options). */
export function grpcClients(address: string, options: grpc.ChannelOptions = {}) {
  const credentials = grpc.credentials.createInsecure();
  const inventory = lookup(load("invsync/inventory/v1/inventory_service.proto"), "invsync.inventory.v1.InventoryService");
  const wms = lookup(load("invsync/wms/v1/wms_sync_service.proto"), "invsync.wms.v1.WmsSyncService");
  const reservations = lookup(load("invsync/inventory/v1/reservation_service.proto"), "invsync.inventory.v1.ReservationService");
  const reconciliation = lookup(load("invsync/inventory/v1/reconciliation_service.proto"), "invsync.inventory.v1.ReconciliationService");
  const operations = lookup(load("invsync/operations/v1/operations_service.proto"), "invsync.operations.v1.OperationsService");
  const health = lookup(load(HEALTH_PROTO, [dirname(HEALTH_PROTO)]), "grpc.health.v1.Health");
  const reflection = lookup(load(REFLECTION_PROTO, [dirname(REFLECTION_PROTO)]), "grpc.reflection.v1.ServerReflection");
  const clients = {
    inventory: new inventory(address, credentials, options),
    wms: new wms(address, credentials, options),
    reservations: new reservations(address, credentials, options),
    reconciliation: new reconciliation(address, credentials, options),
    operations: new operations(address, credentials, options),
    health: new health(address, credentials, options),
    reflection: new reflection(address, credentials, options),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

/** An ErrorDetail as the tests compare it; `metadata` only when the error carries facts. */
export interface DecodedErrorDetail {
  code: string;
  fieldViolations: Array<{ field: string; reason: string }>;
  metadata?: Record<string, string>;
}

/** The ErrorDetail carried in `grpc-status-details-bin` (a google.rpc.Status whose details are Any). */
export function errorDetailFromGrpc(error: grpc.ServiceError): DecodedErrorDetail | undefined {
  const [bytes] = error.metadata.get("grpc-status-details-bin") as Buffer[];
  if (!bytes) return undefined;
  const status = STATUS_TYPE.decode(bytes) as unknown as { details: Array<{ typeUrl: string; value: Uint8Array }> };
  const any = status.details.find((d) => d.typeUrl === "type.googleapis.com/invsync.errors.v1.ErrorDetail");
  return any ? decodeErrorDetail(any.value) : undefined;
}

/** An encoded `invsync.errors.v1.ErrorDetail`, decoded with protobufjs (independently of gen/). */
export function decodeErrorDetail(bytes: Uint8Array): DecodedErrorDetail {
  const { metadata, ...detail } = ERROR_DETAIL_TYPE.toObject(ERROR_DETAIL_TYPE.decode(bytes), { defaults: true, arrays: true }) as DecodedErrorDetail;
  return metadata && Object.keys(metadata).length > 0 ? { ...detail, metadata } : detail;
}

const STATUS_TYPE = protobuf.Root.fromJSON({
  nested: {
    Status: { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 }, details: { rule: "repeated", type: "Any", id: 3 } } },
    Any: { fields: { typeUrl: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } },
  },
}).lookupType("Status");
const ERROR_DETAIL_TYPE = protobuf.loadSync(join(PROTO_ROOT, "invsync/errors/v1/error_detail.proto")).lookupType("invsync.errors.v1.ErrorDetail");
