import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docBlock, mismatch, runDocBlock, type DocCommandResult } from "./support/doc-blocks.js";
import { ensureBuilt, ServiceProcess } from "./support/service-process.js";
import { NATS_URL, testStream } from "./support/test-servers.js";

/** Fails with every command whose output breaks what the docs promise. */
function assertAsDocumented(where: string, results: readonly DocCommandResult[]): void {
  const broken = results.map((r) => [r.command, mismatch(r)] as const).filter(([, why]) => why !== undefined);
  assert.deepEqual(broken.map(([command, why]) => `${where}: ${command}\n${why}`), []);
}

/**
 * The README's quick start, as a newcomer runs it: the service as `npm start` runs it on a fresh
 * embedded database (no DATABASE_URL, no signing keys), then the documented block, command by
 * command, each output held to its `# →` lines. The reservation example and the dispute
 * walkthrough continue from the state it leaves, as their docs say.
 */
describe("contract: the quick start and the walkthroughs run as documented", function () {
  this.timeout(180_000);
  const stream = testStream("quickstart");
  const folder = mkdtempSync(join(tmpdir(), "invsync-quickstart-"));
  const dataDir = join(folder, "pglite");
  const token = randomBytes(32).toString("hex");
  let service: ServiceProcess;
  let port: number;
  let env: Record<string, string>;
  const run = (file: string, marker: string) =>
    runDocBlock(docBlock(file, marker), {
      env,
      rewrite: [["localhost:8080", `127.0.0.1:${port}`], ["/tmp/", `${folder}/`]],
      retryable: /invsync -- events/,
    });

  before(async () => {
    ensureBuilt();
    service = ServiceProcess.spawn({
      DATA_DIR: dataDir,
      HOST: "127.0.0.1",
      GATEWAY_PORT: "0",
      GRPC_PORT: "0",
      NATS_URL,
      NATS_STREAM: stream.stream,
      NATS_SUBJECT_PREFIX: stream.subjectPrefix,
      OPERATOR_TOKENS: `dev:operator:${token}`,
    });
    port = Number((await service.waitForLog("inventory-sync started")).gatewayPort);
    // What the reader's shell has: the service where the docs say, the events' stream, the token.
    env = {
      DATA_DIR: dataDir,
      INVSYNC_URL: `http://127.0.0.1:${port}`,
      INVSYNC_TOKEN: token,
      NATS_URL,
      NATS_STREAM: stream.stream,
      NATS_SUBJECT_PREFIX: stream.subjectPrefix,
    };
  });
  after(async () => {
    await service?.stop("SIGTERM");
    await stream.delete();
    rmSync(folder, { recursive: true, force: true });
  });

  it("README: a first signed batch, its stock, its events on JetStream, the same batch again", async () => {
    const results = await run("README.md", "<!-- quick-start:begin");
    assert.equal(results.length, 4, "the block's four commands");
    assertAsDocumented("README quick start", results);
  });

  it("docs/reservations.md: reserve, refuse, fulfil", async () => {
    assertAsDocumented("reservations", await run("docs/reservations.md", "<!-- doc-test:reservations -->"));
  });

  it("docs/reconciliation.md: a dispute from snapshot to audit log", async () => {
    assertAsDocumented("dispute", await run("docs/reconciliation.md", "<!-- doc-test:dispute -->"));
  });
});
