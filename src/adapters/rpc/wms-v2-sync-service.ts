import type { ServiceImpl } from "@connectrpc/connect";
import type { WmsSyncService } from "../../../gen/invsync/wms/v2/wms_sync_service_pb.js";
import { mapWmsV2Batch, type WmsV2MapperOptions } from "../../wms-ingestion/acl/wms-v2-mapper.js";
import type { BatchIngestor } from "../../wms-ingestion/application/wms-batch-ingestion.js";
import { StockRecordSchema } from "../../../gen/invsync/wms/v2/stock_record_pb.js";
import { receivedUpdates } from "./received-updates.js";
import { tracingOff, type Tracing } from "../observability/tracing.js";

/**
 * `invsync.wms.v2.WmsSyncService`: the v2 ACL maps the request (in a span of its own), the same
 * ingestion use case applies it; legacy is handed each record as received ({@link receivedUpdates}).
 */
export function wmsV2SyncService(ingestion: BatchIngestor, mapper: WmsV2MapperOptions, tracing: Tracing = tracingOff): ServiceImpl<typeof WmsSyncService> {
  return {
    async syncStock(request, context) {
      const attributes = { "invsync.batch_id": request.batchRef, "invsync.update_count": request.records.length };
      const batch = tracing.inSpanSync("wms.v2 acl", attributes, () => mapWmsV2Batch(request, mapper));
      const result = await ingestion.ingest({ ...batch, received: receivedUpdates(context, StockRecordSchema, "records", request.records) });
      return {
        batchRef: result.batchId,
        applied: result.accepted,
        duplicate: result.duplicate,
        stale: result.stale,
        rejected: result.rejected,
        rejections: result.rejections.map(({ index, field, code, reason }) => ({ index, field, code, reason })),
      };
    },
  };
}
