import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./private-nats.js";
import { createTestDatabase, runToken, type TestDatabase } from "./test-servers.js";

/** The server entry of the devDependency (the package exports no subpaths, so it is found by path). */
const SERVER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), "../../node_modules/unleash-server/dist/server.js");

/**
 * A real `unleash-server` (the devDependency) that a test owns: its own database on the shared
 * PostgreSQL, its own port, started and killed by PID. Flags are managed through its admin API.
 */
export class UnleashServer {
  private readonly secret = runToken();
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    private readonly database: TestDatabase,
    readonly port: number,
  ) {}

  /** Creates the database, starts the server and waits until it reports healthy. */
  static async start(): Promise<UnleashServer> {
    if (!existsSync(SERVER_ENTRY)) throw new Error(`unleash-server is not installed (${SERVER_ENTRY}); run npm ci`);
    const server = new UnleashServer(await createTestDatabase("unleash"), await freePort());
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: server.database.url,
        DATABASE_SSL: "false",
        HTTP_PORT: String(server.port),
        LOG_LEVEL: "error",
        INIT_ADMIN_API_TOKENS: server.adminToken,
        INIT_BACKEND_API_TOKENS: server.backendToken,
      },
      stdio: "ignore",
    });
    server.child = child;
    server.exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + 90_000;
    while (!(await server.healthy())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.destroy();
        throw new Error(`unleash-server did not become healthy on port ${server.port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return server;
  }

  /** The API root a client is given (`UNLEASH_URL`). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** An admin token (all projects and environments). */
  get adminToken(): string {
    return `*:*.admin${this.secret}`;
  }

  /** A backend (client SDK) token for the development environment (`UNLEASH_API_TOKEN`). */
  get backendToken(): string {
    return `default:development.client${this.secret}`;
  }

  /** Calls the admin API; throws on a non-2xx answer. */
  async admin(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.apiUrl}/admin${path}`, {
      method,
      headers: { authorization: this.adminToken, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`unleash admin ${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Creates flag `name` in the default project with one strategy in development, switched on. */
  async createFlag(name: string, strategy: object): Promise<void> {
    await this.admin("POST", "/projects/default/features", { name, type: "release" });
    await this.admin("POST", `/projects/default/features/${name}/environments/development/strategies`, strategy);
    await this.admin("POST", `/projects/default/features/${name}/environments/development/on`);
  }

  /** Replaces the first development strategy of flag `name`. */
  async updateStrategy(name: string, strategy: object): Promise<void> {
    const feature = await this.admin("GET", `/projects/default/features/${name}`);
    const id = feature.environments.find((e: { name: string }) => e.name === "development").strategies[0].id;
    await this.admin("PUT", `/projects/default/features/${name}/environments/development/strategies/${id}`, strategy);
  }

  /** The flags as the client API serves them now (what an SDK's next refresh receives). */
  async clientFeatures(): Promise<Array<{ name: string; strategies: Array<{ parameters?: Record<string, string>; constraints?: Array<{ values?: string[] }> }> }>> {
    const response = await fetch(`${this.apiUrl}/client/features`, { headers: { authorization: this.backendToken } });
    return ((await response.json()) as { features: never[] }).features;
  }

  /** Kills the server (by PID) and waits for it to exit; the database stays. */
  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }

  /** Kills the server and drops its database. */
  async destroy(): Promise<void> {
    await this.stop();
    await this.database.drop();
  }

  private async healthy(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}/health`)).ok;
    } catch {
      return false;
    }
  }
}
