import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRY = join(ROOT, "dist/src/cli.js");

/** The Node.js flags `npm start` passes (read from its script, so the two cannot drift apart). */
export const START_NODE_FLAGS: readonly string[] = startNodeFlags();

function startNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const shape = /^exec node ((?:--\S+ )*)dist\/src\/cli\.js serve$/.exec(scripts.start ?? "");
  if (!shape) throw new Error(`package.json's start script is not "exec node [--flag …] dist/src/cli.js serve": ${scripts.start}`);
  return shape[1]!.split(" ").filter(Boolean);
}

/** Builds `dist/` (what `npm start` runs) if it is not there yet. */
export function ensureBuilt(): void {
  if (!existsSync(ENTRY)) execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
}

/** The service as a child process, exactly as `npm start` runs it, with its log lines collected. */
export class ServiceProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    let buffer = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) if (line.trim()) this.lines.push(parseLine(line));
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /**
   * Starts `node <npm start's flags> [nodeArgs] dist/src/cli.js serve` with `env` (and nothing of the
   * test's own environment but PATH); a flag in `nodeArgs` overrides the same one of `npm start`.
   */
  static spawn(env: Record<string, string>, nodeArgs: readonly string[] = []): ServiceProcess {
    return ServiceProcess.spawnScript([ENTRY, "serve"], env, nodeArgs);
  }

  /** Like {@link spawn}, for another built script (`[path, ...args]`) run as `npm start` runs the service (the bench's floor). */
  static spawnScript(script: readonly string[], env: Record<string, string>, nodeArgs: readonly string[] = []): ServiceProcess {
    const child = spawn(process.execPath, [...START_NODE_FLAGS, ...nodeArgs, ...script], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    return new ServiceProcess(child);
  }

  /** The child's process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for a log line with message `msg`. */
  async waitForLog(msg: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((line) => line.msg === msg);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`service exited (${this.child.exitCode}): ${this.stderr.join("")}`);
      if (Date.now() > deadline) throw new Error(`no "${msg}" log line within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and waits for the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Resolves with the exit code once the process exits by itself. */
  exit(): Promise<number | null> {
    return this.exited;
  }
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}
