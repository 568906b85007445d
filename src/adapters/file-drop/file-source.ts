import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import type { DroppedFile } from "../../wms-ingestion/application/file-ingestion.js";

/** The SHA-256 of a file's content, streamed (flat memory whatever the size). */
export async function contentHash(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `path` as a {@link DroppedFile}: its name, content hash and a stream of its lines. */
export async function droppedFile(path: string): Promise<DroppedFile> {
  const hash = await contentHash(path);
  return {
    name: basename(path),
    contentHash: hash,
    get lines() {
      return createInterface({ input: createReadStream(path, { encoding: "utf8", highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
    },
  };
}
