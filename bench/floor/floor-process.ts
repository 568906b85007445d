import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { ServiceProcess } from "../../contract-tests/support/service-process.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BUNDLE = join(ROOT, "test-results/bench-floor/server.mjs");

/**
 * The floor (`server.ts`) as a process of its own, run as the service runs: plain `node` with
 * `npm start`'s flags on JavaScript built beforehand (one bundle, the packages from node_modules),
 * so its CPU and memory are measured the same way. The process handling is the service's
 * ({@link ServiceProcess}).
 */
export class FloorProcess {
  private constructor(private readonly process: ServiceProcess) {}

  /** Builds the floor and starts it with `env` (its settings, see `server.ts`) and `nodeArgs` after npm start's flags; resolves once it listens. */
  static async start(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<{ floor: FloorProcess; url: string }> {
    mkdirSync(dirname(BUNDLE), { recursive: true });
    await build({ entryPoints: [join(ROOT, "bench/floor/server.ts")], outfile: BUNDLE, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "error" });
    const process = ServiceProcess.spawnScript([BUNDLE], env, nodeArgs);
    const started = await process.waitForLog("floor started", 30_000);
    return { floor: new FloorProcess(process), url: `http://127.0.0.1:${started.port as number}` };
  }

  get pid(): number {
    return this.process.pid;
  }

  /** The error lines it logged (a publish or mark that failed and was retried). */
  errors(): string[] {
    return this.process.lines.filter((line) => line.msg === "floor error").map((line) => String(line.error));
  }

  /** SIGTERM: it answers what is in flight, publishes what it committed, and exits. */
  stop(): Promise<number | null> {
    return this.process.stop("SIGTERM");
  }
}
