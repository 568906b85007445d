import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "../../contract-tests/support/private-nats.js";

/** One node of a {@link NatsCluster}. */
interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly dataDir: string;
  readonly configFile: string;
  process: ChildProcess | undefined;
}

/**
 * A JetStream cluster of nats-server nodes that a test owns: private client and route ports, data
 * folders and config files in a temporary folder; nodes are stopped and started by PID. JetStream in
 * a cluster needs each node's `server_name` and the cluster's name, hence a config file per node.
 */
export class NatsCluster {
  private readonly root = mkdtempSync(join(tmpdir(), "invsync-nats-cluster-"));

  private constructor(private readonly nodes: ClusterNode[]) {}

  /** Starts `size` nodes routed to each other and waits until JetStream has a meta leader. */
  static async start(size = 3): Promise<NatsCluster> {
    const ports = await distinctPorts(size * 2);
    const cluster = new NatsCluster([]);
    for (let i = 0; i < size; i++) {
      const name = `n${i + 1}`;
      const dataDir = join(cluster.root, name);
      cluster.nodes.push({ name, port: ports[i]!, clusterPort: ports[size + i]!, dataDir, configFile: join(cluster.root, `${name}.conf`), process: undefined });
    }
    for (const node of cluster.nodes) {
      const routes = cluster.nodes.filter((other) => other !== node).map((other) => `"nats-route://127.0.0.1:${other.clusterPort}"`);
      writeFileSync(
        node.configFile,
        `server_name: ${node.name}
listen: 127.0.0.1:${node.port}
jetstream { store_dir: "${node.dataDir}" }
cluster {
  name: invsync-test
  listen: 127.0.0.1:${node.clusterPort}
  routes: [${routes.join(", ")}]
}
`,
      );
    }
    await Promise.all(cluster.nodes.map((node) => cluster.startNode(node)));
    await cluster.waitForJetStream();
    return cluster;
  }

  /** Every node's client URL, comma-separated (`NATS_URL` for a cluster). */
  get url(): string {
    return this.nodes.map((node) => `nats://127.0.0.1:${node.port}`).join(",");
  }

  /** The names of the nodes, in order. */
  get names(): string[] {
    return this.nodes.map((node) => node.name);
  }

  /** Stops node `index` (SIGKILL by default: killed where it stands). */
  async stop(index: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const node = this.nodes[index]!;
    const child = node.process;
    node.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }

  /** Starts node `index` again on its ports and data. */
  async restart(index: number): Promise<void> {
    await this.startNode(this.nodes[index]!);
  }

  /** Waits until JetStream answers through the cluster (a meta leader is elected). */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const nc = await connect({ servers: this.url.split(","), timeout: 2000, reconnect: false });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          await jsm.getAccountInfo();
          return;
        } finally {
          await nc.close();
        }
      } catch (error) {
        last = error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    throw new Error(`the NATS cluster has no JetStream meta leader after ${timeoutMs} ms: ${String(last)}`);
  }

  /** Stops every node and deletes their data. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.stop(i, "SIGTERM")));
    rmSync(this.root, { recursive: true, force: true });
  }

  private async startNode(node: ClusterNode): Promise<void> {
    const binary = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";
    node.process = spawn(binary, ["-c", node.configFile], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!(await accepts(node.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server ${node.name} did not start on port ${node.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** `count` free ports, all different. */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
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
