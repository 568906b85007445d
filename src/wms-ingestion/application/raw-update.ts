import type { ReceivedPayload, UpdateRejection, WmsBatch } from "./wms-batch.js";

/**
 * One raw WMS update as stored, read from a file or pulled: its JSON (and, for a file or a pull,
 * the update as received, which legacy is handed), or why its text could not be read.
 */
export type RawUpdate = { readonly json: unknown; readonly received?: ReceivedPayload } | { readonly unreadable: UpdateRejection; readonly text: string };

/** Reads the lines of one dropped file into raw updates (undefined for header and blank lines). */
export type LineReader = (lineNumber: number, text: string) => RawUpdate | undefined;

/** Port: the anti-corruption layer as the file, pull and replay use cases need it. */
export interface WmsDecoder {
  /** The contract version and a line reader for a file named `fileName`, or undefined when the name says neither. */
  fileFormat(fileName: string): { readonly schemaVersion: string; readonly reader: () => LineReader } | undefined;
  /** Maps raw updates of contract `schemaVersion` through its current mapper. */
  mapRaw(schemaVersion: string, batchId: string, raws: readonly RawUpdate[]): WmsBatch;
}
