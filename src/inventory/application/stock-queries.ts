import { NotFoundError, ValidationError, type FieldViolation } from "../../shared/errors.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "../../shared/paging.js";
import { asSku, skuProblem } from "../domain/sku.js";
import { summariseSku, type SkuStock } from "../domain/sku-stock.js";
import type { StockRepository } from "./stock-repository.port.js";

/** Default and largest page sizes of {@link StockQueries.list}. */
export const PAGE_SIZE = { default: 100, max: 1000 } as const;

/** One page of a stock listing. */
export interface StockListing {
  readonly stock: readonly SkuStock[];
  /** Opaque token for the next page; empty on the last page. */
  readonly nextPageToken: string;
}

/** Read side of the inventory: current stock by SKU, and paged listings. */
export class StockQueries {
  constructor(private readonly stock: StockRepository) {}

  /** The stock of `sku`; `INVENTORY.NOT_FOUND` when the SKU has never been seen. */
  async get(sku: string): Promise<SkuStock> {
    const problem = skuProblem(sku);
    if (problem) throw new ValidationError("INVENTORY.INVALID_SKU", [{ field: "sku", reason: problem }]);
    const levels = await this.stock.findBySku(asSku(sku));
    if (levels.length === 0) throw new NotFoundError("INVENTORY.NOT_FOUND", `no stock recorded for SKU "${sku}"`);
    return summariseSku(asSku(sku), levels);
  }

  /** One page of SKUs in ascending order, continuing after `pageToken`. */
  async list(request: { pageSize: number; pageToken: string; skuPrefix: string }): Promise<StockListing> {
    const violations: FieldViolation[] = [];
    const pageSize = pageSizeOf(request.pageSize, PAGE_SIZE, violations);
    const afterSku = decodePageToken(request.pageToken, (sku) => skuProblem(sku) === undefined);
    if (afterSku === null) violations.push({ field: "page_token", reason: "is not a token this service issued" });
    if (request.skuPrefix.length > 64) violations.push({ field: "sku_prefix", reason: "must be at most 64 characters" });
    if (violations.length > 0) throw new ValidationError("INVENTORY.INVALID_LIST_REQUEST", violations);

    const page = await this.stock.listSkus({
      afterSku: afterSku ?? undefined,
      limit: pageSize,
      skuPrefix: request.skuPrefix === "" ? undefined : request.skuPrefix,
    });
    const stock = page.skus.map(({ sku, levels }) => summariseSku(sku, levels));
    const last = stock.at(-1);
    return { stock, nextPageToken: page.hasMore && last ? encodePageToken(last.sku) : "" };
  }
}
