import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docBlock, mismatch, runDocBlock } from "./support/doc-blocks.js";
import { ensureBuilt, ServiceProcess } from "./support/service-process.js";
import { createTestDatabase, NATS_URL, testStream, type TestDatabase } from "./support/test-servers.js";

const DOC = "docs/wms-integration.md";

/**
 * docs/wms-integration.md's examples, run as a WMS integrator runs them: the service started with
 * the key the examples sign with and a drop folder, then each documented block, its outputs held to
 * their `# →` lines.
 */
describe("contract: the WMS integration guide's examples run as documented", function () {
  this.timeout(120_000);
  const stream = testStream("wmsdocs");
  const folder = mkdtempSync(join(tmpdir(), "invsync-wmsdocs-"));
  const dropDir = join(folder, "wms-drop");
  let database: TestDatabase;
  let service: ServiceProcess;
  let port: number;
  const run = async (marker: string) => {
    const results = await runDocBlock(docBlock(DOC, marker), {
      env: { INVSYNC_URL: `http://127.0.0.1:${port}` },
      rewrite: [["localhost:8080", `127.0.0.1:${port}`], ["/tmp/wms-drop", dropDir]],
    });
    const broken = results.map((r) => [r.command, mismatch(r)] as const).filter(([, why]) => why !== undefined);
    assert.deepEqual(broken.map(([command, why]) => `${marker}: ${command}\n${why}`), []);
  };

  before(async () => {
    ensureBuilt();
    mkdirSync(dropDir);
    database = await createTestDatabase("wmsdocs");
    service = ServiceProcess.spawn({
      DATABASE_URL: database.url,
      HOST: "127.0.0.1",
      GATEWAY_PORT: "0",
      GRPC_PORT: "0",
      NATS_URL,
      NATS_STREAM: stream.stream,
      NATS_SUBJECT_PREFIX: stream.subjectPrefix,
      FLAGS_BOOTSTRAP_FILE: "flags/all-new.json",
      WMS_SIGNING_KEYS: "wms-2026-11:change-me-to-32-random-bytes-hex",
      WMS_DROP_DIR: dropDir,
      WMS_DROP_POLL_MS: "500",
    });
    port = Number((await service.waitForLog("inventory-sync started")).gatewayPort);
  });
  after(async () => {
    await service?.stop("SIGTERM");
    await database?.drop();
    await stream.delete();
    rmSync(folder, { recursive: true, force: true });
  });

  it("signs a batch in shell with openssl and posts it with curl", () => run("<!-- doc-test:signing-shell -->"));

  it("signs and sends v2 and v1 batches from TypeScript", () => run("<!-- doc-test:signing-ts -->"));

  it("ingests a dropped CSV file and writes its report", () => run("<!-- doc-test:file-drop -->"));
});
