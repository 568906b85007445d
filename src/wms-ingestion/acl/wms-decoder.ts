import type { WmsDecoder } from "../application/raw-update.js";
import { FileLineReader, fileFormatOf } from "./wms-file-formats.js";
import { mapRawBatch } from "./wms-schemas.js";
import type { WmsV1MapperOptions } from "./wms-v1-mapper.js";

/** The {@link WmsDecoder} over this ACL's contracts and file formats. */
export function wmsDecoder(options: WmsV1MapperOptions): WmsDecoder {
  return {
    fileFormat(fileName) {
      const format = fileFormatOf(fileName);
      if (!format) return undefined;
      return {
        schemaVersion: format.schemaVersion,
        reader: () => {
          const reader = new FileLineReader(format);
          return (lineNumber, text) => reader.read(lineNumber, text);
        },
      };
    },
    mapRaw: (schemaVersion, batchId, raws) => mapRawBatch(schemaVersion, batchId, raws, options),
  };
}
