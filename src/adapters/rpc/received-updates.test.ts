import { create } from "@bufbuild/protobuf";
import { createContextValues, createHandlerContext } from "@connectrpc/connect";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { InventoryUpdateSchema } from "../../../gen/invsync/wms/v1/inventory_update_pb.js";
import { WmsSyncService } from "../../../gen/invsync/wms/v1/wms_sync_service_pb.js";
import { receivedBodyKey, receivedUpdates } from "./received-updates.js";

const updates = [
  create(InventoryUpdateSchema, { wmsId: "w", sequence: 1n, sku: "A", quantity: 1, status: "COUNTED" }),
  create(InventoryUpdateSchema, { wmsId: "w", sequence: 2n, sku: "B", quantity: 2, status: "COUNTED" }),
];
const spans = [`{"wms_id": "w", "sequence": 1, "sku": "A", "quantity": 1, "status": "COUNTED"}`, `{"wmsId":"w","sequence":"2","sku":"B","quantity":2,"status":"COUNTED"}`];
const json = Buffer.from(`{"batch_id": "b", "updates": [${spans.join(", ")}]}`);
const canonical = [`{"wmsId":"w","sequence":"1","sku":"A","quantity":1,"status":"COUNTED"}`, `{"wmsId":"w","sequence":"2","sku":"B","quantity":2,"status":"COUNTED"}`];

/** What legacy would be handed for both updates of a request with `body` and `headers`. */
function handedOn(body: Uint8Array | undefined, headers: Record<string, string>) {
  const context = createHandlerContext({
    service: WmsSyncService,
    method: WmsSyncService.method.syncInventory,
    protocolName: "connect",
    requestMethod: "POST",
    url: "/invsync.wms.v1.WmsSyncService/SyncInventory",
    requestHeader: new Headers(headers),
    contextValues: createContextValues().set(receivedBodyKey, body),
  });
  const received = receivedUpdates(context, InventoryUpdateSchema, "updates", updates);
  return [0, 1].map((i) => received.payload(i));
}

const envelope = (flags: number, message: Uint8Array) => {
  const frame = Buffer.alloc(5 + message.length);
  frame[0] = flags;
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  return frame;
};

describe("receivedUpdates", () => {
  it("slices each update's JSON as sent out of a JSON body, plain or compressed", () => {
    const expected = spans.map((text) => ({ form: "json", text }));
    assert.deepEqual(handedOn(json, { "content-type": "application/json" }), expected);
    assert.deepEqual(handedOn(gzipSync(json), { "content-type": "application/json; charset=utf-8", "content-encoding": "gzip" }), expected);
    assert.deepEqual(handedOn(envelope(0, json), { "content-type": "application/grpc-web+json" }), expected);
    assert.deepEqual(handedOn(envelope(1, gzipSync(json)), { "content-type": "application/grpc+json", "grpc-encoding": "gzip" }), expected);
  });

  it("gives the canonical JSON of the decoded update when there is no JSON text to keep, and says so", () => {
    const expected = canonical.map((text) => ({ form: "proto-json", text }));
    assert.deepEqual(handedOn(Buffer.from([0x0a, 0x01, 0x62]), { "content-type": "application/proto" }), expected, "binary");
    assert.deepEqual(handedOn(undefined, { "content-type": "application/json" }), expected, "no body at hand (gRPC server)");
    assert.deepEqual(handedOn(Buffer.from(`{"updates": [${spans[0]}]}`), { "content-type": "application/json" }), expected, "a body with another count than was parsed");
    assert.deepEqual(handedOn(Buffer.concat([json.subarray(0, 40), Buffer.from([0xff]), json.subarray(40)]), { "content-type": "application/json" }), expected, "not UTF-8");
    assert.deepEqual(handedOn(json, { "content-type": "application/json", "content-encoding": "zstd" }), expected, "an encoding not served");
  });
});
