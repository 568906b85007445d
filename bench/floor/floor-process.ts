import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { START_NODE_FLAGS } from "../../contract-tests/support/service-process.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BUNDLE = join(ROOT, "test-results/bench-floor/server.mjs");

/**
 * The floor (`server.ts`) as a process of its own, run as the service runs: plain `node` with
 * `npm start`'s flags on JavaScript built beforehand (one bundle, the packages from node_modules),
 * so its CPU and memory are measured the same way.
 */
export class FloorProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    let buffer = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) if (line.trim()) this.lines.push(parse(line));
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** Builds the floor and starts it with `env` (its settings, see `server.ts`) and `nodeArgs` after npm start's flags; resolves once it listens. */
  static async start(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<{ floor: FloorProcess; url: string }> {
    mkdirSync(dirname(BUNDLE), { recursive: true });
    await build({ entryPoints: [join(ROOT, "bench/floor/server.ts")], outfile: BUNDLE, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "error" });
    const child = spawn(process.execPath, [...START_NODE_FLAGS, ...nodeArgs, BUNDLE], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const floor = new FloorProcess(child);
    const started = await floor.waitForLog("floor started", 30_000);
    return { floor, url: `http://127.0.0.1:${started.port as number}` };
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for a log line with message `msg`. */
  async waitForLog(msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((line) => line.msg === msg);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`the floor exited (${this.child.exitCode}): ${this.stderr.join("")}`);
      if (Date.now() > deadline) throw new Error(`the floor logged no "${msg}" within ${timeoutMs} ms: ${this.stderr.join("")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The error lines it logged (a publish or mark that failed and was retried). */
  errors(): string[] {
    return this.lines.filter((line) => line.msg === "floor error").map((line) => String(line.error));
  }

  /** SIGTERM: it answers what is in flight, publishes what it committed, and exits. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}

function parse(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}
