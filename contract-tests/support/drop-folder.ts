import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitForValue } from "./wait-for.js";

/** Puts `content` into the drop folder `dir` as `name` the way a WMS should: written under a `.` name, then renamed when complete. */
export function dropFile(dir: string, name: string, content: string): void {
  const partial = join(dir, `.${name}.partial`);
  writeFileSync(partial, content);
  renameSync(partial, join(dir, name));
}

/**
 * Waits for the watcher to move `name` into `folder` (`processed` or `failed`) with `<name>.report.json`
 * beside it, and returns the parsed report (a report caught while it is still being written is read again).
 */
export function dropReport(dir: string, name: string, folder: "processed" | "failed" = "processed"): Promise<any> {
  const path = join(dir, folder, `${name}.report.json`);
  return waitForValue(`${name} and its report in ${folder}/`, async () => {
    if (!existsSync(path) || !existsSync(join(dir, folder, name)) || existsSync(join(dir, name))) return undefined;
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return undefined;
    }
  });
}
