import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { InventoryService } from "../../../gen/invsync/inventory/v1/inventory_service_pb.js";
import type { LocationStockSchema, StockLevelSchema } from "../../../gen/invsync/inventory/v1/stock_level_pb.js";
import type { StockQueries } from "../../inventory/application/stock-queries.js";
import type { NonSellable } from "../../inventory/domain/non-sellable.js";
import type { SkuStock } from "../../inventory/domain/sku-stock.js";
import { availableOf, type StockLevel } from "../../inventory/domain/stock-level.js";

/** `invsync.inventory.v1.InventoryService`: current stock, by SKU and paged. */
export function inventoryService(queries: StockQueries): ServiceImpl<typeof InventoryService> {
  return {
    async getInventory(request) {
      return { stock: toStockLevelMessage(await queries.get(request.sku)) };
    },
    async listInventory(request) {
      const page = await queries.list({
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        skuPrefix: request.skuPrefix,
      });
      return { stock: page.stock.map(toStockLevelMessage), nextPageToken: page.nextPageToken };
    },
  };
}

function toStockLevelMessage(stock: SkuStock): MessageInitShape<typeof StockLevelSchema> {
  const nonSellable = (pick: (n: NonSellable) => number) => stock.locations.reduce((sum, l) => sum + (l.nonSellable ? pick(l.nonSellable) : 0), 0);
  return {
    damaged: BigInt(nonSellable((n) => n.damaged)),
    qualityHold: BigInt(nonSellable((n) => n.qualityHold)),
    sku: stock.sku,
    onHand: BigInt(stock.onHand),
    reserved: BigInt(stock.reserved),
    available: BigInt(stock.available),
    updatedAt: timestampFromDate(stock.updatedAt),
    locations: stock.locations.map(toLocationStock),
  };
}

/** One stock record as its `LocationStock` message. */
export function toLocationStock(level: StockLevel): MessageInitShape<typeof LocationStockSchema> {
  return {
    locationId: level.locationId,
    onHand: BigInt(level.onHand),
    reserved: BigInt(level.reserved),
    available: BigInt(availableOf(level.onHand, level.reserved)),
    updatedAt: timestampFromDate(level.updatedAt),
    version: BigInt(level.version),
    damaged: BigInt(level.nonSellable?.damaged ?? 0),
    qualityHold: BigInt(level.nonSellable?.qualityHold ?? 0),
  };
}
