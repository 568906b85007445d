import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SnapshotPageSchema } from "../../../gen/invsync/inventory/v1/reconciliation_pb.js";
import type { SnapshotPage } from "../../reconciliation/application/snapshot-reconciliation.js";
import type { SnapshotFeed } from "../../reconciliation/application/snapshot-sources.port.js";
import { UnavailableError } from "../../shared/errors.js";
import { getWmsJson, WmsFeedError, type WmsCallSettings } from "./retried-json-get.js";

/** Where and how to pull snapshots from the WMS. */
export interface HttpSnapshotFeedSettings extends WmsCallSettings {
  /** The snapshot endpoint, for example `https://wms.example/api/stock-snapshot`. */
  readonly url: string;
  /** The `wms_id` asked for when none is given. */
  readonly defaultWmsId: string;
  /** Lines asked for per page. */
  readonly pageSize: number;
}

/**
 * {@link SnapshotFeed} over HTTP: `GET <url>?wms_id=…&limit=…[&page_token=…]` answering the JSON of
 * `invsync.inventory.v1.SnapshotPage` (`{"takenAt": …, "counts": [ … ], "nextPageToken": …}`; unknown
 * fields refused), page after page until `nextPageToken` is empty. Every page must carry the first
 * page's `takenAt` (one snapshot, not pages of several). Retries as the update pull does; a pull that
 * still fails is `Unavailable` (`RECONCILIATION.SNAPSHOT_PULL_FAILED`).
 */
export class HttpSnapshotFeed implements SnapshotFeed {
  readonly defaultWmsId: string;

  constructor(
    private readonly settings: HttpSnapshotFeedSettings,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.defaultWmsId = settings.defaultWmsId;
  }

  async *pages(wmsId: string): AsyncIterable<SnapshotPage> {
    try {
      yield* this.fetchPages(wmsId);
    } catch (error) {
      if (!(error instanceof WmsFeedError)) throw error;
      throw new UnavailableError("RECONCILIATION.SNAPSHOT_PULL_FAILED", `the snapshot could not be pulled from the WMS: ${error.message}`);
    }
  }

  private async *fetchPages(wmsId: string): AsyncIterable<SnapshotPage> {
    let token = "";
    let takenAt: Date | undefined;
    do {
      const url = new URL(this.settings.url);
      url.searchParams.set("wms_id", wmsId);
      url.searchParams.set("limit", String(this.settings.pageSize));
      if (token !== "") url.searchParams.set("page_token", token);
      const page = this.parse(await getWmsJson(url, this.settings, this.sleep), url);
      if (!page.takenAt) throw new WmsFeedError(`WMS snapshot page from ${url.origin} has no takenAt`);
      const pageTakenAt = timestampDate(page.takenAt);
      takenAt ??= pageTakenAt;
      if (pageTakenAt.getTime() !== takenAt.getTime()) throw new WmsFeedError(`WMS snapshot pages disagree on takenAt (${takenAt.toISOString()}, then ${pageTakenAt.toISOString()})`);
      yield {
        takenAt,
        lines: page.counts.map((c) => ({ sku: c.sku, locationId: c.locationId, quantity: c.quantity, observedAt: c.observedAt && timestampDate(c.observedAt) })),
      };
      token = page.nextPageToken;
    } while (token !== "");
  }

  private parse(body: unknown, url: URL) {
    try {
      return fromJson(SnapshotPageSchema, body as JsonValue, { ignoreUnknownFields: false });
    } catch (error) {
      throw new WmsFeedError(`WMS snapshot page from ${url.origin} is not a SnapshotPage: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
