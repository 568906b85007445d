import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEvents } from "./support/event-reader.js";
import { ensureBuilt, ServiceProcess } from "./support/service-process.js";
import { NATS_URL, testStream } from "./support/test-servers.js";
import { promisify } from "node:util";
import { postSigned } from "./support/signed-requests.js";
import { getJson, postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

describe("contract: npm start on a fresh machine (embedded PGlite, built entry point, SIGTERM)", function () {
  this.timeout(120_000);
  const stream = testStream("embedded");
  const folder = mkdtempSync(join(tmpdir(), "invsync-embedded-"));
  const dataDir = join(folder, "pglite");
  const env = {
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    GRPC_PORT: "0",
    NATS_URL,
    NATS_STREAM: stream.stream,
    NATS_SUBJECT_PREFIX: stream.subjectPrefix,
  };

  before(() => ensureBuilt());
  after(async () => {
    await stream.delete();
    rmSync(folder, { recursive: true, force: true });
  });

  it("runs without DATABASE_URL, keeps its data across restarts, refuses a second process, and exits cleanly on SIGTERM", async () => {
    const first = ServiceProcess.spawn(env);
    const started = await first.waitForLog("inventory-sync started");
    assert.equal(started.database, "pglite");
    const baseUrl = `http://127.0.0.1:${started.gatewayPort}`;

    const batch = syncBatch("embedded-1", [wmsUpdate("EMB-1", 1, 42), wmsUpdate("EMB-2", 2, 7)]);
    const unsigned = await postJson(`${baseUrl}/inventory/sync`, batch);
    assert.equal(unsigned.status, 401, "signing is required by default");
    assert.equal(unsigned.body.detail.code, "WMS.SIGNATURE_MISSING");
    assert.ok(first.lines.some((line) => String(line.msg).includes("generated development key")), "the development key is announced");

    // The README's quick start: the example batch, signed by scripts/wms-post.sh with the development key.
    const { stdout } = await promisify(execFile)("bash", ["scripts/wms-post.sh", "examples/wms-v1-batch.json"], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, INVSYNC_URL: baseUrl },
    });
    const example = JSON.parse(stdout);
    assert.deepEqual([example.accepted, example.rejected, example.rejections[0]?.code], [2, 1, "QUANTITY_NOT_INTEGER"]);

    const [keyId, secret] = readFileSync(join(folder, "wms-dev-signing-key"), "utf8").trim().split(":") as [string, string];
    const sync = await postSigned(`${baseUrl}/inventory/sync`, batch, { id: keyId, secret });
    assert.equal(sync.body.accepted, 2);
    assert.equal((await getJson(`${baseUrl}/readyz`)).body.database.engine, "pglite");
    assert.equal((await readEvents(NATS_URL, stream.stream, 4)).length, 4);

    const second = ServiceProcess.spawn({ ...env, GATEWAY_PORT: "0" });
    assert.equal(await second.exit(), 1);
    assert.match(second.stderr.join(""), /in use by process \d+/);

    assert.equal(await first.stop("SIGTERM"), 0, "SIGTERM drains and exits with 0");
    assert.ok(first.lines.some((line) => line.msg === "inventory-sync stopped"));

    const restarted = ServiceProcess.spawn(env);
    const again = await restarted.waitForLog("inventory-sync started");
    const stock = await getJson(`http://127.0.0.1:${again.gatewayPort}/inventory/EMB-1`);
    assert.equal(stock.body.stock.onHand, "42", "stock survives a restart");
    assert.equal(await restarted.stop("SIGTERM"), 0);
  });

  it("refuses to start on invalid configuration, naming each bad variable", async () => {
    const bad = ServiceProcess.spawn({ ...env, GATEWAY_PORT: "eighty", LOG_LEVEL: "chatty" });
    assert.equal(await bad.exit(), 1);
    const stderr = bad.stderr.join("");
    assert.match(stderr, /GATEWAY_PORT="eighty": must be a whole number/);
    assert.match(stderr, /LOG_LEVEL="chatty": must be one of/);
  });
});
