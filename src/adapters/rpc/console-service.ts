import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ConsoleService } from "../../../gen/invsync/console/v1/console_service_pb.js";
import { locationIdProblem } from "../../inventory/domain/location-id.js";
import { skuProblem } from "../../inventory/domain/sku.js";
import { ValidationError, type FieldViolation } from "../../shared/errors.js";
import type { StockStory } from "../persistence/knex-stock-story.js";

/** Reads a SKU's story (records, events, received updates); see `KnexStockStory`. */
export interface StockStoryReader {
  read(sku: string, locationId: string | undefined, limit: number): Promise<StockStory>;
}

const MAX_LIMIT = 200;
const DEFAULT_LIMIT = 50;

/** `invsync.console.v1.ConsoleService`: the operator console's read-only questions. */
export function consoleService(story: StockStoryReader): ServiceImpl<typeof ConsoleService> {
  return {
    async describeStock(request) {
      const violations: FieldViolation[] = [];
      const skuWrong = skuProblem(request.sku);
      if (skuWrong) violations.push({ field: "sku", reason: skuWrong });
      const locationWrong = request.locationId === "" ? undefined : locationIdProblem(request.locationId);
      if (locationWrong) violations.push({ field: "location_id", reason: locationWrong });
      if (request.limit > MAX_LIMIT) violations.push({ field: "limit", reason: `must be 1 to ${MAX_LIMIT} (0 means ${DEFAULT_LIMIT}), got ${request.limit}` });
      if (violations.length > 0) throw new ValidationError("CONSOLE.INVALID_REQUEST", violations);
      const read = await story.read(request.sku, request.locationId === "" ? undefined : request.locationId, request.limit === 0 ? DEFAULT_LIMIT : request.limit);
      return {
        records: read.records.map((record) => ({
          locationId: record.locationId,
          hasStock: record.stock !== undefined,
          onHand: record.stock?.onHand ?? 0n,
          reserved: record.stock?.reserved ?? 0n,
          available: record.stock?.available ?? 0n,
          version: record.stock?.version ?? 0n,
          lastWmsId: record.stock?.lastWmsId ?? "",
          lastSequence: record.stock?.lastSequence ?? 0n,
          updatedAt: record.stock ? timestampFromDate(record.stock.updatedAt) : undefined,
          path: record.route?.path ?? "",
          flag: record.route?.flag ?? "",
          why: record.route?.why ?? "",
          pathSince: record.route ? timestampFromDate(record.route.since) : undefined,
          previousPath: record.route?.previousPath ?? "",
        })),
        events: read.events.map((event) => ({
          eventId: event.eventId,
          type: event.type,
          locationId: event.locationId,
          delta: event.delta,
          source: event.source,
          at: timestampFromDate(event.at),
          onHandBefore: event.onHandBefore,
          onHandAfter: event.onHandAfter,
          reservedBefore: event.reservedBefore,
          reservedAfter: event.reservedAfter,
          version: event.version,
          cause: event.cause,
        })),
        updates: read.updates.map((update) => ({
          inboxId: update.inboxId,
          batchId: update.batchId,
          wmsId: update.wmsId,
          sequence: update.sequence,
          locationId: update.locationId,
          quantity: update.quantity ?? 0n,
          observedAt: update.observedAt ? timestampFromDate(update.observedAt) : undefined,
          receivedAt: timestampFromDate(update.receivedAt),
          status: update.status,
          rejectReason: update.rejectReason,
        })),
      };
    },
  };
}
