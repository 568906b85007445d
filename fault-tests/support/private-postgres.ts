import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../contract-tests/support/private-nats.js";

const BIN = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
const execFileAsync = promisify(execFile);

/**
 * A PostgreSQL cluster a fault test owns: its own data folder, port and socket folder, created with
 * `initdb` and started, stopped and restarted with `pg_ctl`, so stopping it never disturbs the shared
 * server the rest of the suite uses. PostgreSQL refuses to run as root, so as root the cluster runs
 * as the `postgres` user (`runuser`).
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Creates a cluster in a new temporary folder, starts it and waits until it accepts connections. */
  static async start(): Promise<PrivatePostgres> {
    if (!existsSync(join(BIN, "initdb"))) throw new Error(`initdb not found in ${BIN}; set PG_BIN_DIR to PostgreSQL's bin folder`);
    const dir = mkdtempSync(join(tmpdir(), "invsync-pg-"));
    if (isRoot()) chownSync(dir, postgresId("-u"), postgresId("-g"));
    const cluster = new PrivatePostgres(dir, await freePort());
    await cluster.run("initdb", ["-D", cluster.dataDir, "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8"]);
    await cluster.startServer();
    return cluster;
  }

  private get dataDir(): string {
    return join(this.dir, "data");
  }

  /** A connection URL for `database` on this cluster. */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates an empty database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /**
   * Starts the server (after {@link stop}) and waits until it accepts connections (`pg_ctl -w` waits
   * for that). Asynchronous, as is {@link stop}: the test's clients share this process's event loop,
   * and a blocking wait would stall them and inflate the latencies they measure.
   */
  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=100`;
    await this.run("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", join(this.dir, "server.log"), "-w", "-t", "60", "start"]);
  }

  /** Stops the server the way an operator's restart does (`-m fast`: sessions are cut, transactions roll back). */
  async stop(): Promise<void> {
    await this.run("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
  }

  /** Stops the server (if running) and deletes the cluster. */
  destroy(): void {
    spawnSync(...this.command("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]), { stdio: "ignore" });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(tool: string, args: readonly string[]): Promise<void> {
    const [command, argv] = this.command(tool, args);
    await execFileAsync(command, argv);
  }

  private command(tool: string, args: readonly string[]): [string, string[]] {
    const binary = join(BIN, tool);
    return isRoot() ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, [...args]];
  }
}

function isRoot(): boolean {
  return userInfo().uid === 0;
}

function postgresId(flag: "-u" | "-g"): number {
  return Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
}
