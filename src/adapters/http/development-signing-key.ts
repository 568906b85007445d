import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The key id of the embedded mode's generated signing key. */
export const DEVELOPMENT_KEY_ID = "dev";

/** Where the embedded mode keeps its signing key: beside its data folder, `<data dir>/../wms-dev-signing-key`. */
export function developmentKeyPath(dataDir: string): string {
  return join(dirname(dataDir), "wms-dev-signing-key");
}

/**
 * The embedded mode's WMS signing key, created on first start (mode 0600) and reused after: a
 * fresh `npm start` keeps signing on and still accepts WMS writes signed with this key (see
 * `scripts/wms-post.sh`). The file holds `dev:<secret>`, the format of `WMS_SIGNING_KEYS`.
 */
export function developmentSigningKey(dataDir: string): { readonly path: string; readonly keys: ReadonlyMap<string, string> } {
  const path = developmentKeyPath(dataDir);
  let secret: string;
  try {
    secret = readFileSync(path, "utf8").trim().slice(DEVELOPMENT_KEY_ID.length + 1);
  } catch {
    secret = randomBytes(32).toString("hex");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${DEVELOPMENT_KEY_ID}:${secret}\n`, { mode: 0o600 });
  }
  return { path, keys: new Map([[DEVELOPMENT_KEY_ID, secret]]) };
}
