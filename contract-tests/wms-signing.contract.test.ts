import assert from "node:assert/strict";
import pg from "pg";
import { readEvents } from "./support/event-reader.js";
import { postSigned, signedHeaders, signingKeysEnv, TEST_KEY } from "./support/signed-requests.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const OLD_KEY = { id: "2026-01", secret: "old-secret-0123456789abcdef" };
const V1_PATH = "/invsync.wms.v1.WmsSyncService/SyncInventory";
const V2_PATH = "/invsync.wms.v2.WmsSyncService/SyncStock";

async function inboxRows(svc: TestService): Promise<number> {
  const client = new pg.Client({ connectionString: svc.database.url });
  await client.connect();
  try {
    return Number((await client.query("SELECT count(*) AS n FROM wms_updates")).rows[0].n);
  } finally {
    await client.end();
  }
}

async function post(url: string, text: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: text });
  return { status: response.status, body: (await response.json()) as { code: string; message: string; detail?: { code: string } } };
}

describe("contract: signed WMS requests (HMAC over the raw body, key rotation, replay window)", function () {
  let svc: TestService;

  before(async () => {
    svc = await startTestService("wms_signing", { WMS_SIGNATURE_REQUIRED: "true", WMS_SIGNING_KEYS: signingKeysEnv(OLD_KEY, TEST_KEY) });
  });
  after(async () => svc?.stop());

  it("refuses a tampered body, an expired timestamp, a replayed signature and an unknown key id: 401, nothing stored", async () => {
    const text = JSON.stringify(syncBatch("sig-1", [wmsUpdate("SIG-1", 1, 5, { wmsId: "wms-sig" })]));
    const url = `${svc.baseUrl}/inventory/sync`;
    const before = await inboxRows(svc);
    const tampered = await post(url, text.replace('"quantity":5', '"quantity":500'), signedHeaders(text));
    const expired = await post(url, text, signedHeaders(text, TEST_KEY, Math.floor(Date.now() / 1000) - 301));
    const unknownKey = await post(url, text, signedHeaders(text, { id: "stolen", secret: TEST_KEY.secret }));
    const unsigned = await post(url, text, {});
    const headers = signedHeaders(text);
    const first = await post(url, text, headers);
    const replayed = await post(url, text, headers);
    assert.deepEqual(
      [tampered, expired, unknownKey, unsigned, replayed].map((r) => [r.status, r.body.code, r.body.detail?.code]),
      [
        [401, "unauthenticated", "WMS.SIGNATURE_MISMATCH"],
        [401, "unauthenticated", "WMS.SIGNATURE_EXPIRED"],
        [401, "unauthenticated", "WMS.SIGNATURE_UNKNOWN_KEY"],
        [401, "unauthenticated", "WMS.SIGNATURE_MISSING"],
        [401, "unauthenticated", "WMS.SIGNATURE_REPLAYED"],
      ],
    );
    assert.equal(first.status, 200);
    assert.equal(await inboxRows(svc), before + 1, "only the one good request reached the inbox");
    const stock = (await (await fetch(`${svc.baseUrl}/inventory/SIG-1`)).json()) as { stock: { onHand: string } };
    assert.equal(stock.stock.onHand, "5");
  });

  it("accepts a request signed with either active key (rotation), on the REST alias and the Connect paths of v1 and v2", async () => {
    const v1 = await postSigned(`${svc.baseUrl}${V1_PATH}`, syncBatch("sig-2", [wmsUpdate("SIG-2", 1, 3, { wmsId: "wms-sig2" })]), OLD_KEY);
    const rest = await postSigned(`${svc.baseUrl}/inventory/sync`, syncBatch("sig-3", [wmsUpdate("SIG-2", 2, 4, { wmsId: "wms-sig2" })]), TEST_KEY);
    const v2 = await postSigned(
      `${svc.baseUrl}${V2_PATH}`,
      { batchRef: "sig-4", records: [{ sourceSystem: "wms-sig2", seqNo: "3", itemCode: "SIG-2", eventTime: new Date(Date.now() - 1000).toISOString(), movement: { movementType: "MOVEMENT_TYPE_RECEIPT", delta: "6" } }] },
      OLD_KEY,
    );
    assert.deepEqual([v1.status, v1.body.accepted, rest.body.accepted, v2.status, v2.body.applied], [200, 1, 1, 200, 1]);
    const unsignedConnect = await postJson(`${svc.baseUrl}${V2_PATH}`, { batchRef: "sig-5", records: [] });
    assert.equal(unsignedConnect.status, 401);
    assert.equal(unsignedConnect.body.code, "unauthenticated");
  });

  it("a v2 movement batch and a v1 count batch for one SKU yield the expected stock and events", async () => {
    const at = (s: number) => new Date(Date.now() - 10_000 + s * 1000).toISOString();
    const v1 = await postSigned(`${svc.baseUrl}/inventory/sync`, syncBatch("mix-1", [wmsUpdate("MIX.1", 1, 10, { wmsId: "wms-mix", observedAt: at(1) })]));
    const record = (seqNo: number, movement: object) => ({ sourceSystem: "wms-mix", seqNo: String(seqNo), itemCode: "MIX.1", eventTime: at(seqNo), movement });
    const v2 = await postSigned(`${svc.baseUrl}${V2_PATH}`, {
      batchRef: "mix-2",
      records: [
        record(2, { movementType: "MOVEMENT_TYPE_RECEIPT", delta: "5", reference: "PO-7" }),
        record(3, { movementType: "MOVEMENT_TYPE_PICK", delta: "-3", reference: "SO-9" }),
        record(4, { movementType: "MOVEMENT_TYPE_ADJUSTMENT", delta: "2", stockStatus: "STOCK_STATUS_DAMAGED" }),
      ],
    });
    assert.deepEqual([v1.body.accepted, v2.body.applied], [1, 3]);
    const stock = (await (await fetch(`${svc.baseUrl}/inventory/MIX.1`)).json()) as { stock: Record<string, string> };
    assert.deepEqual([stock.stock.onHand, stock.stock.available, stock.stock.damaged], ["12", "12", "2"]);

    const events = await readEvents(svc.config.natsUrl, svc.stream.stream, 4, { filterSubject: `${svc.stream.subjectPrefix}.v1.*.MIX~2E1` });
    assert.deepEqual(
      events.map(({ subject, event }) => {
        const cause = event.cause?.kind.case === "wmsUpdate" ? event.cause.kind.value : undefined;
        return [subject.split(".").at(-2), event.delta, event.after?.onHand, event.nonSellableAfter?.damaged ?? 0n, cause?.schemaVersion, cause?.movementType, cause?.stockStatus];
      }),
      [
        ["stock_counted", 10n, 10n, 0n, "wms.v1", "", ""],
        ["stock_moved", 5n, 15n, 0n, "wms.v2", "RECEIPT", "SELLABLE"],
        ["stock_moved", -3n, 12n, 0n, "wms.v2", "PICK", "SELLABLE"],
        ["stock_moved", 2n, 12n, 2n, "wms.v2", "ADJUSTMENT", "DAMAGED"],
      ],
    );
  });
});

describe("contract: signing required but no keys configured (DATABASE_URL set, WMS_SIGNING_KEYS unset)", function () {
  let svc: TestService;

  before(async () => {
    svc = await startTestService("wms_nokeys", { WMS_SIGNATURE_REQUIRED: "true" });
  });
  after(async () => svc?.stop());

  it("refuses WMS writes with 401 saying how to configure keys, and still serves reads", async () => {
    const res = await postSigned(`${svc.baseUrl}/inventory/sync`, syncBatch("nokey", [wmsUpdate("NOKEY-1", 1, 1)]));
    assert.equal(res.status, 401);
    assert.equal(res.body.detail.code, "WMS.SIGNING_NOT_CONFIGURED");
    assert.match(res.body.message, /WMS_SIGNING_KEYS=/);
    assert.equal((await fetch(`${svc.baseUrl}/inventory/NOKEY-1`)).status, 404);
  });
});
