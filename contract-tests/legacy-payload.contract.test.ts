import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { SyncInventoryRequestSchema, SyncInventoryResponseSchema } from "../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { SyncStockRequestSchema, SyncStockResponseSchema } from "../gen/invsync/wms/v2/wms_sync_service_pb.js";
import { signatureHeader } from "../src/adapters/http/wms-signature.js";
import { dropFile, dropReport } from "./support/drop-folder.js";
import { FakeLegacy } from "./support/fake-legacy.js";
import { FakeWms } from "./support/fake-wms.js";
import { FlagFiles } from "./support/flag-files.js";
import { signingKeysEnv, TEST_KEY } from "./support/signed-requests.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";

const V1_CONNECT = "/invsync.wms.v1.WmsSyncService/SyncInventory";
const V2_CONNECT = "/invsync.wms.v2.WmsSyncService/SyncStock";
const REST = "/inventory/sync";

/** A minute ago, written as a WMS in Central Europe might: a +01:00 offset and one fraction digit (canonical JSON would say `…Z`). */
const observed = (() => {
  const local = new Date(Date.now() - 60_000 + 3_600_000).toISOString();
  return `${local.slice(0, 19)}.5+01:00`;
})();
/** The same instant as protobuf's canonical JSON writes it. */
const canonicalObserved = `${new Date(Date.parse(observed)).toISOString().slice(0, 19)}.500Z`;

/** Two v1 counts as a WMS writes them, in `style`'s field names, with spacing and key order of its own. */
function v1Updates(style: "snake" | "camel", wmsId: string): string[] {
  return style === "snake"
    ? [
        `{ "wms_id": "${wmsId}", "sequence": 1, "sku": "LP-1", "quantity": 7, "status": "counted", "location_id": "DC-1", "observed_at": "${observed}" }`,
        `{"sku":"LP-2","wms_id":"${wmsId}","sequence":"2","quantity":0,"status":"SHIPPED","observed_at":"${observed}"}`,
      ]
    : [
        `{ "wmsId": "${wmsId}", "sequence": 1, "sku": "LP-1", "quantity": 7, "status": "counted", "locationId": "DC-1", "observedAt": "${observed}" }`,
        `{"sku":"LP-2","wmsId":"${wmsId}","sequence":"2","quantity":0,"status":"SHIPPED","observedAt":"${observed}"}`,
      ];
}

/** A v2 snapshot and a v2 movement as a WMS writes them, in `style`'s field names. */
function v2Records(style: "snake" | "camel", wmsId: string): string[] {
  return style === "snake"
    ? [
        `{"source_system": "${wmsId}", "seq_no": 1, "item_code": "LP-1", "site": "DC-1", "event_time": "${observed}", "snapshot": {"sellable": "5", "quality_hold": 1}}`,
        `{"item_code":"LP-2","source_system":"${wmsId}","seq_no":"2","site":"DC-1","event_time":"${observed}","movement":{"movement_type":"MOVEMENT_TYPE_RECEIPT","delta":"3"}}`,
      ]
    : [
        `{"sourceSystem": "${wmsId}", "seqNo": 1, "itemCode": "LP-1", "site": "DC-1", "eventTime": "${observed}", "snapshot": {"sellable": "5", "qualityHold": 1}}`,
        `{"itemCode":"LP-2","sourceSystem":"${wmsId}","seqNo":"2","site":"DC-1","eventTime":"${observed}","movement":{"movementType":"MOVEMENT_TYPE_RECEIPT","delta":"3"}}`,
      ];
}

interface FeedRow {
  readonly id: string;
  readonly path: string;
  readonly payload_form: string;
  readonly payload: string;
}

describe("contract: legacy is handed each WMS update exactly as received (feed table and HTTP forwarder)", function () {
  this.timeout(90_000);
  let legacy: FakeLegacy;
  let wms: FakeWms;
  let svc: TestService;
  let db: pg.Client;
  const flagFiles = new FlagFiles();
  const dropDir = mkdtempSync(join(tmpdir(), "invsync-legacy-payload-"));

  before(async () => {
    legacy = await FakeLegacy.start();
    wms = await FakeWms.start();
    svc = await startTestService("legacy_payload", {
      // Every SKU on legacy but one in shadow and one on the new path.
      FLAGS_BOOTSTRAP_FILE: flagFiles.write({ shadowSkus: ["LP-SHADOW"], newSkus: ["LP-NEW"] }),
      LEGACY_FORWARD_URL: legacy.url,
      LEGACY_FORWARD_POLL_MS: "50",
      WMS_SIGNATURE_REQUIRED: "true",
      WMS_SIGNING_KEYS: signingKeysEnv(TEST_KEY),
      WMS_DROP_DIR: dropDir,
      WMS_DROP_POLL_MS: "100",
      WMS_PULL_URL: wms.url,
      WMS_PULL_WMS_IDS: "lp-pull",
      WMS_PULL_SCHEMA_VERSION: "wms.v2",
      WMS_PULL_INTERVAL_MS: "200",
    });
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await svc?.stop();
    await legacy?.close();
    await wms?.close();
    rmSync(dropDir, { recursive: true, force: true });
    flagFiles.remove();
  });

  /**
   * POSTs `body` to `path`, signed over its exact bytes, and expects the batch taken in with nothing
   * rejected (`decode` reads a binary answer; a JSON one is parsed).
   */
  async function send(path: string, body: string | Uint8Array, headers: Record<string, string>, decode?: (bytes: Uint8Array) => { rejected: number }): Promise<void> {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
    const signature = signatureHeader(TEST_KEY.id, TEST_KEY.secret, Math.floor(Date.now() / 1000), bytes);
    const response = await fetch(`${svc.baseUrl}${path}`, { method: "POST", headers: { ...headers, "x-invsync-signature": signature }, body: bytes });
    const answer = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, answer.toString("utf8"));
    const result = decode ? decode(answer) : (JSON.parse(answer.toString("utf8")) as { rejected: number });
    assert.equal(result.rejected, 0, JSON.stringify(result, (_, v) => (typeof v === "bigint" ? String(v) : v)));
  }

  /** The feed rows of `wmsId` once legacy's endpoint acknowledged `n` of them. */
  async function handedOn(wmsId: string, n: number): Promise<FeedRow[]> {
    const rows = async () =>
      (
        await db.query<FeedRow & { delivered: boolean }>(
          `SELECT f.id::text AS id, f.path, f.payload_form, f.payload::text AS payload, f.delivered_at IS NOT NULL AS delivered
           FROM legacy_inventory_feed AS f WHERE f.wms_id = $1 ORDER BY f.id`,
          [wmsId],
        )
      ).rows;
    await waitFor(`${n} feed rows of ${wmsId} delivered`, async () => {
      const found = await rows();
      return found.length === n && found.every((row) => row.delivered);
    });
    return (await rows()).map(({ id, path, payload_form, payload }) => ({ id, path, payload_form, payload }));
  }

  /**
   * Legacy got exactly `expected` for `wmsId`, in order: the feed row's `payload` text and
   * `payload_form`, and in a POST body the update entry written byte for byte around that text.
   */
  async function assertHandedOn(wmsId: string, schemaVersion: string, expected: ReadonlyArray<{ form: string; payload: string; path?: string }>): Promise<void> {
    const rows = await handedOn(wmsId, expected.length);
    assert.deepEqual(
      rows.map((r) => ({ form: r.payload_form, payload: r.payload, path: r.path })),
      expected.map((e) => ({ form: e.form, payload: e.payload, path: e.path ?? "legacy" })),
      "the feed table keeps each update's text as received",
    );
    const bodies = legacy.requests.filter((r) => r.accepted).map((r) => r.rawBody ?? "");
    for (const row of rows) {
      const entry = `{"feedId":"${row.id}","path":"${row.path}","schemaVersion":"${schemaVersion}","payloadForm":"${row.payload_form}","payload":${row.payload}}`;
      assert.ok(bodies.some((body) => body.includes(entry)), `legacy's POST carries ${entry}`);
    }
  }

  for (const style of ["snake", "camel"] as const) {
    it(`v1, ${style}_case JSON over Connect: each update's JSON text as the WMS wrote it (form json)`, async () => {
      const wmsId = `lp-v1-connect-${style}`;
      const updates = v1Updates(style, wmsId);
      const body = `{"${style === "snake" ? "batch_id" : "batchId"}": "${wmsId}",\n "updates": [\n  ${updates.join(",\n  ")}\n ]\n}`;
      await send(V1_CONNECT, body, { "content-type": "application/json" });
      await assertHandedOn(wmsId, "wms.v1", updates.map((payload) => ({ form: "json", payload })));
    });

    it(`v1, ${style}_case JSON over the REST alias: the same bytes as over Connect (form json)`, async () => {
      const wmsId = `lp-v1-rest-${style}`;
      const updates = v1Updates(style, wmsId);
      await send(REST, `{"batch_id":"${wmsId}","updates":[${updates.join(",")}]}`, { "content-type": "application/json; charset=utf-8" });
      await assertHandedOn(wmsId, "wms.v1", updates.map((payload) => ({ form: "json", payload })));
    });

    it(`v2, ${style}_case JSON over Connect: each record's JSON text as the WMS wrote it (form json)`, async () => {
      const wmsId = `lp-v2-connect-${style}`;
      const records = v2Records(style, wmsId);
      await send(V2_CONNECT, `{"batchRef":"${wmsId}","records":[${records.join(" , ")}]}`, { "content-type": "application/json" });
      await assertHandedOn(wmsId, "wms.v2", records.map((payload) => ({ form: "json", payload })));
    });
  }

  it("a batch across paths: legacy and shadow updates are handed on as sent, each its own, the new-path one is not", async () => {
    const wmsId = "lp-v1-paths";
    const update = (sequence: number, sku: string) =>
      `{"wms_id": "${wmsId}", "sequence": ${sequence}, "sku": "${sku}", "quantity": ${sequence}, "status": "counted", "observed_at": "${observed}"}`;
    const [onNew, onShadow, onLegacy] = [update(1, "LP-NEW"), update(2, "LP-SHADOW"), update(3, "LP-1")];
    await send(V1_CONNECT, `{"batch_id": "${wmsId}", "updates": [${onNew}, ${onShadow}, ${onLegacy}]}`, { "content-type": "application/json" });
    await assertHandedOn(wmsId, "wms.v1", [
      { form: "json", payload: onShadow, path: "shadow" },
      { form: "json", payload: onLegacy, path: "legacy" },
    ]);
  });

  it("v1 JSON over Connect compressed with gzip: the text inside, as written (form json)", async () => {
    const wmsId = "lp-v1-gzip";
    const updates = v1Updates("snake", wmsId);
    await send(V1_CONNECT, gzipSync(`{"batch_id":"${wmsId}","updates":[${updates.join(",")}]}`), { "content-type": "application/json", "content-encoding": "gzip" });
    await assertHandedOn(wmsId, "wms.v1", updates.map((payload) => ({ form: "json", payload })));
  });

  it("v1 and v2 binary protobuf over Connect: the canonical protobuf JSON of the decoded update (form proto-json)", async () => {
    const seconds = BigInt(Math.floor(Date.parse(observed) / 1000));
    const observedAt = { seconds, nanos: 500_000_000 };
    const v1 = create(SyncInventoryRequestSchema, {
      batchId: "lp-v1-binary",
      updates: [
        { wmsId: "lp-v1-binary", sequence: 1n, sku: "LP-1", quantity: 7, status: "counted", locationId: "DC-1", observedAt },
        { wmsId: "lp-v1-binary", sequence: 2n, sku: "LP-2", quantity: 0, status: "SHIPPED", observedAt },
      ],
    });
    await send(V1_CONNECT, toBinary(SyncInventoryRequestSchema, v1), { "content-type": "application/proto" }, (bytes) => fromBinary(SyncInventoryResponseSchema, bytes));
    await assertHandedOn("lp-v1-binary", "wms.v1", [
      { form: "proto-json", payload: `{"wmsId":"lp-v1-binary","sequence":"1","sku":"LP-1","quantity":7,"status":"counted","locationId":"DC-1","observedAt":"${canonicalObserved}"}` },
      { form: "proto-json", payload: `{"wmsId":"lp-v1-binary","sequence":"2","sku":"LP-2","quantity":0,"status":"SHIPPED","observedAt":"${canonicalObserved}"}` },
    ]);

    const v2 = create(SyncStockRequestSchema, {
      batchRef: "lp-v2-binary",
      records: [
        { sourceSystem: "lp-v2-binary", seqNo: 1n, itemCode: "LP-1", site: "DC-1", eventTime: observedAt, body: { case: "snapshot", value: { sellable: 5n, qualityHold: 1n } } },
      ],
    });
    await send(V2_CONNECT, toBinary(SyncStockRequestSchema, v2), { "content-type": "application/proto" }, (bytes) => fromBinary(SyncStockResponseSchema, bytes));
    await assertHandedOn("lp-v2-binary", "wms.v2", [
      { form: "proto-json", payload: `{"sourceSystem":"lp-v2-binary","seqNo":"1","itemCode":"LP-1","site":"DC-1","eventTime":"${canonicalObserved}","snapshot":{"sellable":"5","qualityHold":"1"}}` },
    ]);
  });

  it("gRPC-Web text (base64) is refused before anything is stored: there is no text to hand on", async () => {
    const wmsId = "lp-grpc-web-text";
    const message = toBinary(SyncInventoryRequestSchema, create(SyncInventoryRequestSchema, { batchId: wmsId, updates: [{ wmsId, sequence: 1n, sku: "LP-1", quantity: 1, status: "COUNTED" }] }));
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), Buffer.from(message)]);
    const body = Buffer.from(frame.toString("base64"), "utf8");
    const signature = signatureHeader(TEST_KEY.id, TEST_KEY.secret, Math.floor(Date.now() / 1000), body);
    const response = await fetch(`${svc.baseUrl}${V1_CONNECT}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web-text", "x-grpc-web": "1", "x-invsync-signature": signature },
      body,
    });
    await response.arrayBuffer();
    assert.equal(response.status, 415, "Connect does not serve gRPC-Web text");
    const { rows } = await db.query(`SELECT 1 FROM wms_updates WHERE wms_id = $1`, [wmsId]);
    assert.equal(rows.length, 0);
  });

  it("a dropped CSV file: the file's header line and the update's line as written (form csv, a JSON string)", async () => {
    const header = "wms_id,sequence,sku,quantity,status,location_id,observed_at";
    const lines = [`lp-csv,1,LP-1,7,counted,DC-1,${observed}`, `lp-csv,2,"LP-2",0,SHIPPED,,${observed}`];
    dropFile(dropDir, "legacy-payload.v1.csv", `\uFEFF${header}\r\n${lines.join("\r\n")}\r\n`);
    assert.equal((await dropReport(dropDir, "legacy-payload.v1.csv")).outcome.accepted, 2);
    await assertHandedOn("lp-csv", "wms.v1", lines.map((line) => ({ form: "csv", payload: JSON.stringify(`${header}\n${line}`) })));
  });

  it("a dropped JSONL file: each line's JSON as written (form json)", async () => {
    const records = v2Records("snake", "lp-jsonl");
    dropFile(dropDir, "legacy-payload.v2.jsonl", `${records.join("\n")}\n`);
    assert.equal((await dropReport(dropDir, "legacy-payload.v2.jsonl")).outcome.accepted, 2);
    await assertHandedOn("lp-jsonl", "wms.v2", records.map((payload) => ({ form: "json", payload })));
  });

  it("a pull: each update of the WMS's answer as the WMS wrote it (form json)", async () => {
    // Keys in an order of the WMS's own and a timestamp with an offset: a canonical form would differ on both.
    const records = [1, 2].map((seqNo) => ({
      itemCode: `LP-${seqNo}`,
      seqNo: String(seqNo),
      sourceSystem: "lp-pull",
      eventTime: observed,
      movement: { delta: "2", movementType: "MOVEMENT_TYPE_RECEIPT" },
    }));
    wms.records.set("lp-pull", records);
    // The fake writes its answer with JSON.stringify, so each update's text is JSON.stringify of the record.
    await assertHandedOn("lp-pull", "wms.v2", records.map((record) => ({ form: "json", payload: JSON.stringify(record) })));
  });
});
