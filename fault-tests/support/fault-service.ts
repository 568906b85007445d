import { readFileSync } from "node:fs";
import { freePort } from "../../contract-tests/support/private-nats.js";
import { ensureBuilt, ServiceProcess } from "../../contract-tests/support/service-process.js";
import { signingKeysEnv, TEST_KEY } from "../../contract-tests/support/signed-requests.js";
import { OPERATOR_TOKEN } from "../../contract-tests/support/test-service.js";

/** Where a fault test's service keeps its state. */
export interface FaultServiceSettings {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  /** More environment variables (they win over the defaults). */
  readonly env?: Record<string, string>;
}

/**
 * The service as a child process, exactly as `npm start` runs it, on ports fixed for its whole life
 * so that WMS senders keep one URL while it is killed and restarted. WMS writes are signed with
 * {@link TEST_KEY}; operator calls take {@link OPERATOR_TOKEN}.
 */
export class FaultService {
  private process: ServiceProcess | undefined;
  private peakRssKiB = 0;
  private readonly sampler: NodeJS.Timeout;
  /** Exit codes of processes that ended without being told to (a crash); must stay empty. */
  readonly crashes: Array<number | null> = [];
  private expectingExit = false;

  private constructor(
    private readonly env: Record<string, string>,
    readonly gatewayPort: number,
    readonly grpcPort: number,
  ) {
    this.sampler = setInterval(() => this.sampleRss(), 100);
    this.sampler.unref();
  }

  /** Starts the service and waits until it serves. */
  static async start(settings: FaultServiceSettings): Promise<FaultService> {
    ensureBuilt();
    const [gatewayPort, grpcPort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: settings.databaseUrl,
      NATS_URL: settings.natsUrl,
      NATS_STREAM: settings.stream,
      NATS_SUBJECT_PREFIX: settings.subjectPrefix,
      HOST: "127.0.0.1",
      GATEWAY_PORT: String(gatewayPort),
      GRPC_PORT: String(grpcPort),
      LOG_LEVEL: "info", // the start line the harness waits for is at info
      RELAY_IDLE_MS: "50",
      SHUTDOWN_GRACE_MS: "3000",
      FLAGS_BOOTSTRAP_FILE: "flags/all-new.json",
      WMS_SIGNING_KEYS: signingKeysEnv(TEST_KEY),
      OPERATOR_TOKENS: `fault-operator:operator:${OPERATOR_TOKEN}`,
      ...settings.env,
    };
    const service = new FaultService(env, gatewayPort, grpcPort);
    await service.launch();
    return service;
  }

  /** `http://127.0.0.1:<gateway port>` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  /** `127.0.0.1:<gRPC port>` */
  get grpcAddress(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  /** The running process's id. */
  get pid(): number {
    return this.current.pid;
  }

  /** Log lines of the running process. */
  get lines(): ReadonlyArray<Record<string, unknown>> {
    return this.current.lines;
  }

  /** Peak resident set size of any of the service's processes so far, in MiB. */
  get peakRssMiB(): number {
    this.sampleRss();
    return Math.round(this.peakRssKiB / 102.4) / 10;
  }

  /** Resident set size of the running process now, in MiB. */
  rssMiB(): number {
    return readStatusKiB(this.current.pid, "VmRSS") / 1024;
  }

  /** SIGKILLs the running process (no drain, no cleanup) and waits until it is gone. */
  async kill(): Promise<void> {
    this.sampleRss();
    this.expectingExit = true;
    await this.current.stop("SIGKILL");
    this.expectingExit = false;
    this.process = undefined;
  }

  /** Starts a new process on the same ports and database and waits until it serves. */
  async restart(): Promise<void> {
    if (this.process) throw new Error("the service is still running");
    await this.launch();
  }

  /** Stops the running process with SIGTERM (graceful drain) and returns its exit code. */
  async stop(): Promise<number | null> {
    clearInterval(this.sampler);
    if (!this.process) return null;
    this.sampleRss();
    this.expectingExit = true;
    const code = await this.process.stop("SIGTERM");
    this.process = undefined;
    return code;
  }

  private get current(): ServiceProcess {
    if (!this.process) throw new Error("the service is not running");
    return this.process;
  }

  private async launch(): Promise<void> {
    const child = ServiceProcess.spawn(this.env);
    this.process = child;
    void child.exit().then((code) => {
      if (!this.expectingExit && this.process === child) this.crashes.push(code);
    });
    try {
      await child.waitForLog("inventory-sync started", 60_000);
    } catch (error) {
      this.expectingExit = true;
      await child.stop("SIGKILL");
      this.process = undefined;
      throw new Error(`service did not start: ${String(error)}\n${child.stderr.join("").slice(-2000)}`);
    }
  }

  private sampleRss(): void {
    const pid = this.process?.pid;
    if (pid === undefined) return;
    this.peakRssKiB = Math.max(this.peakRssKiB, readStatusKiB(pid, "VmHWM"));
  }
}

/** A `VmRSS` / `VmHWM` figure of /proc/<pid>/status in KiB (0 once the process is gone). */
function readStatusKiB(pid: number, field: string): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.replace(/\D+/g, "")) : 0;
  } catch {
    return 0;
  }
}
