import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  GetInventoryRequestSchema,
  GetInventoryResponseSchema,
  type GetInventoryResponse,
} from "../../../gen/invsync/inventory/v1/inventory_service_pb.js";
import type { RecordState, RecordStateSource } from "./healing-sources.js";
import type { RecordKey } from "./message-types.js";

const GET_INVENTORY = "/invsync.inventory.v1.InventoryService/GetInventory";

/** Settings of a {@link GrpcInventoryState}. */
export interface GrpcInventoryStateOptions {
  /** Channel credentials (default insecure, for the internal h2c port). */
  readonly credentials?: grpc.ChannelCredentials;
  /** Longest wait for one call (default 5 s). */
  readonly deadlineMs?: number;
}

/**
 * {@link RecordStateSource} over the service's internal gRPC port: `GetInventory` for the SKU,
 * then the location's quantities and version. A SKU or location the service does not know is
 * undefined; any other failure (unavailable, deadline) throws, so the batch is retried later.
 */
export class GrpcInventoryState implements RecordStateSource {
  private readonly client: grpc.Client;
  private readonly deadlineMs: number;

  constructor(address: string, options: GrpcInventoryStateOptions = {}) {
    this.client = new grpc.Client(address, options.credentials ?? grpc.credentials.createInsecure());
    this.deadlineMs = options.deadlineMs ?? 5000;
  }

  async current(record: RecordKey): Promise<RecordState | undefined> {
    let response: GetInventoryResponse;
    try {
      response = await this.getInventory(record.sku);
    } catch (error) {
      if ((error as grpc.ServiceError).code === grpc.status.NOT_FOUND) return undefined;
      throw error;
    }
    const location = response.stock?.locations.find((l) => l.locationId === record.locationId);
    if (!location) return undefined;
    return {
      sku: record.sku,
      locationId: record.locationId,
      onHand: location.onHand,
      reserved: location.reserved,
      available: location.available,
      damaged: location.damaged,
      qualityHold: location.qualityHold,
      version: location.version,
    };
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  private getInventory(sku: string): Promise<GetInventoryResponse> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        GET_INVENTORY,
        (request: { sku: string }) => Buffer.from(toBinary(GetInventoryRequestSchema, create(GetInventoryRequestSchema, request))),
        (bytes: Buffer) => fromBinary(GetInventoryResponseSchema, bytes),
        { sku },
        new grpc.Metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (error, response) => (error || !response ? reject(error ?? new Error("GetInventory answered nothing")) : resolve(response)),
      );
    });
  }
}
