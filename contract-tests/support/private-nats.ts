import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A NATS server (with JetStream) that a fault test owns: its own port and data folder, started and
 * stopped by PID, so stopping it never disturbs the shared server other tests use.
 */
export class PrivateNats {
  readonly dataDir = mkdtempSync(join(tmpdir(), "invsync-nats-"));
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  /** Picks a free port and starts the server on it. */
  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort());
    await nats.start();
    return nats;
  }

  /** `nats://127.0.0.1:<port>` */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on the same port and data folder, and waits until it accepts connections. */
  async start(): Promise<void> {
    const binary = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";
    this.process = spawn(binary, ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.dataDir], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server (SIGTERM; `SIGKILL` to kill it where it stands) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }

  /** Stops the server and deletes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
