// Builds the operator console (console/) into dist/console: one bundled, minified app.js (esbuild,
// everything from npm, no CDN), index.html and styles.css. Run by `npm run build` (build:console).
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles the console into `outDir` (default `dist/console`). */
export async function buildConsole(outDir = join(root, "dist", "console")): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, "console", "src", "main.ts")],
    outfile: join(outDir, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    tsconfig: join(root, "console", "tsconfig.json"),
  });
  await copyFile(join(root, "console", "index.html"), join(outDir, "index.html"));
  await copyFile(join(root, "console", "styles.css"), join(outDir, "styles.css"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildConsole();
