import { extname } from "node:path";

/**
 * The name under which a finished file first dropped as `name` is kept in `processed/` or
 * `failed/`: `name` itself when free, else `<stem>-2<ext>`, `<stem>-3<ext>`, … (`stock.v2.jsonl`
 * → `stock.v2-2.jsonl`). `taken` says whether a name is used there, by a file or by its
 * `<name>.report.json`. So a WMS that retries a drop, or drops the same name every night, never
 * overwrites an earlier file or its report.
 */
export function finishedFileName(name: string, taken: (candidate: string) => boolean): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let candidate = name;
  for (let n = 2; taken(candidate) || taken(`${candidate}.report.json`); n++) candidate = `${stem}-${n}${ext}`;
  return candidate;
}
