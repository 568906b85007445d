import type { ServiceImpl } from "@connectrpc/connect";
import type { WmsSyncService } from "../../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import type { BatchIngestor } from "../../wms-ingestion/application/wms-batch-ingestion.js";
import { mapWmsV1Batch, type WmsV1MapperOptions } from "../../wms-ingestion/acl/wms-v1-mapper.js";
import { InventoryUpdateSchema } from "../../../gen/invsync/wms/v1/inventory_update_pb.js";
import { receivedUpdates } from "./received-updates.js";
import { tracingOff, type Tracing } from "../observability/tracing.js";

/**
 * `invsync.wms.v1.WmsSyncService`: the ACL maps the request (in a span of its own), the ingestion use
 * case applies it; legacy is handed each update as received ({@link receivedUpdates}).
 */
export function wmsSyncService(ingestion: BatchIngestor, mapper: WmsV1MapperOptions, tracing: Tracing = tracingOff): ServiceImpl<typeof WmsSyncService> {
  return {
    async syncInventory(request, context) {
      const attributes = { "invsync.batch_id": request.batchId, "invsync.update_count": request.updates.length };
      const batch = tracing.inSpanSync("wms.v1 acl", attributes, () => mapWmsV1Batch(request, mapper));
      const result = await ingestion.ingest({ ...batch, received: receivedUpdates(context, InventoryUpdateSchema, "updates", request.updates) });
      return {
        batchId: result.batchId,
        accepted: result.accepted,
        duplicate: result.duplicate,
        stale: result.stale,
        rejected: result.rejected,
        rejections: result.rejections.map((r) => ({ index: r.index, field: r.field, reason: r.reason, code: r.code })),
      };
    },
  };
}
