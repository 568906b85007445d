import type { ServiceImpl } from "@connectrpc/connect";
import type { WmsSyncService } from "../../../gen/invsync/wms/v2/wms_sync_service_pb.js";
import { mapWmsV2Batch, type WmsV2MapperOptions } from "../../wms-ingestion/acl/wms-v2-mapper.js";
import type { BatchIngestor } from "../../wms-ingestion/application/wms-batch-ingestion.js";

/** `invsync.wms.v2.WmsSyncService`: the v2 ACL maps the request, the same ingestion use case applies it. */
export function wmsV2SyncService(ingestion: BatchIngestor, mapper: WmsV2MapperOptions): ServiceImpl<typeof WmsSyncService> {
  return {
    async syncStock(request) {
      const result = await ingestion.ingest(mapWmsV2Batch(request, mapper));
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
