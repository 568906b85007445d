import type { SnapshotPage } from "./snapshot-reconciliation.js";

/** Port: the WMS's snapshot endpoint, page by page. */
export interface SnapshotFeed {
  /** The WMS id asked for when none is given. */
  readonly defaultWmsId: string;
  pages(wmsId: string): AsyncIterable<SnapshotPage>;
}

/** A snapshot file, read page by page (streamed). */
export interface SnapshotFile {
  readonly name: string;
  readonly pages: AsyncIterable<SnapshotPage>;
}

/** Port: snapshot files an operator names (inside the drop folder). */
export interface SnapshotFiles {
  open(path: string): Promise<SnapshotFile>;
}
