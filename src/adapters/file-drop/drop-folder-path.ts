import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { ValidationError } from "../../shared/errors.js";

/**
 * The full path of a file an operator names, which must be inside the drop folder (no absolute
 * paths, no `..`): operator endpoints must not become a way to read the server's files. Throws a
 * ValidationError with `code` on `field` otherwise, or when there is no such file.
 */
export function fileInDropFolder(dropDir: string, path: string, code: string, field: string): string {
  const relative = normalize(path);
  if (path === "" || isAbsolute(path) || relative.split(sep).includes("..")) {
    throw new ValidationError(code, [{ field, reason: "must be a path inside the drop folder (WMS_DROP_DIR), without '..'" }]);
  }
  const full = join(dropDir, relative);
  if (!existsSync(full) || !statSync(full).isFile()) {
    throw new ValidationError(code, [{ field, reason: `no file "${relative}" in the drop folder` }]);
  }
  return full;
}
