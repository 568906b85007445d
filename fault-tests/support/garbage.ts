import { signatureHeader } from "../../src/adapters/http/wms-signature.js";
import { TEST_KEY } from "../../contract-tests/support/signed-requests.js";

/** One malformed request: where it goes, what it carries, and what a correct answer looks like. */
export interface GarbageRequest {
  readonly category: string;
  /** `http` goes to the gateway; `grpc` is one gRPC call (a framed body) to the internal port. */
  readonly transport: "http" | "grpc";
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  /**
   * `refused`: a 4xx (or a gRPC error) with a reason. `rejected`: a well-formed batch whose every
   * update is bad: 200 with each update rejected by field and reason (one bad line never blocks a batch).
   * `refused-or-rejected`: either (a wrong type is a decoding error or a bad value, by field).
   */
  readonly expect: "refused" | "rejected" | "refused-or-rejected";
  /** Updates in a `rejected` batch. */
  readonly updates?: number;
}

const V1 = "/invsync.wms.v1.WmsSyncService/SyncInventory";
const V2 = "/invsync.wms.v2.WmsSyncService/SyncStock";
const WMS_PATHS = ["/inventory/sync", V1, V2];

/** SKUs a careless or hostile WMS might send: every one breaks the SKU rule in its own way. */
export const HOSTILE_SKUS = [
  "\\ud800",
  "A\\udfffB",
  "\\u0000",
  "SKU\\u0000-1",
  "SKU\\u200b1",
  "\\u202eSKU-1",
  "SKU-😀",
  "e\\u0301",
  "ＳＫＵ-１",
  "\\ufeffSKU-1",
  "SKU 1",
  "SKU/1",
  "SKU.>*",
  "../../etc/passwd",
  "'; DROP TABLE inventory; --",
  "x".repeat(65),
  "y".repeat(10_000),
  "",
];

/**
 * A seeded generator of malformed requests of every category the fault suite names: random bytes,
 * wrong content types, truncated JSON, payloads over the size limit, deep nesting, wrong types,
 * unicode edge cases in SKUs, bad signatures, wrong methods and paths, and broken gRPC frames,
 * each signed or not.
 */
export class GarbageGenerator {
  private n = 0;

  constructor(
    private readonly random: () => number,
    private readonly maxBodyBytes: number,
  ) {}

  /** The next request; categories take turns so any prefix of the sequence covers all of them. */
  next(): GarbageRequest {
    const makers = [
      () => this.randomBytes(),
      () => this.wrongContentType(),
      () => this.truncatedJson(),
      () => this.deepNesting(),
      () => this.wrongTypes(),
      () => this.hostileSkus(),
      () => this.badSignature(),
      () => this.wrongMethodOrPath(),
      () => this.brokenGrpc(),
      () => this.randomBytes(),
      () => this.wrongTypes(),
      () => this.truncatedJson(),
    ];
    const request = makers[this.n % makers.length]!();
    this.n++;
    return request;
  }

  /** A body over the size limit (with its length declared, or streamed without one). */
  oversized(): GarbageRequest {
    const size = Math.floor(this.maxBodyBytes * (1.05 + this.random()));
    const body = Buffer.alloc(size, "[");
    return this.http("oversized", this.pick([...WMS_PATHS, "/invsync.inventory.v1.ReservationService/ReserveStock"]), "application/json", body, this.random() < 0.5);
  }

  private randomBytes(): GarbageRequest {
    const body = Buffer.alloc(Math.floor(this.random() * 2048));
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(this.random() * 256);
    const type = this.pick(["application/json", "application/proto", "application/octet-stream", "application/json; charset=utf-8"]);
    return this.http("random-bytes", this.pick([...WMS_PATHS, "/invsync.inventory.v1.ReservationService/ReserveStock", "/invsync.inventory.v1.InventoryService/ListInventory"]), type, body, this.random() < 0.5);
  }

  private wrongContentType(): GarbageRequest {
    const body = Buffer.from(JSON.stringify(goodishBatch(`ct-${this.n}`, 2)));
    const type = this.pick(["text/plain", "application/xml", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded", "application/proto", "application/json+weird", "image/png"]);
    return this.http("wrong-content-type", this.pick(WMS_PATHS), type, body, this.random() < 0.5);
  }

  private truncatedJson(): GarbageRequest {
    const full = JSON.stringify(goodishBatch(`trunc-${this.n}`, 1 + Math.floor(this.random() * 20)));
    const body = Buffer.from(full.slice(0, Math.max(1, Math.floor(this.random() * (full.length - 1)))));
    return this.http("truncated-json", this.pick(WMS_PATHS), "application/json", body, this.random() < 0.5);
  }

  private deepNesting(): GarbageRequest {
    const depth = 1000 + Math.floor(this.random() * 200_000);
    const shapes = [
      () => "[".repeat(depth) + "]".repeat(depth),
      () => '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
      () => `{"batchId":"deep","updates":[${"[".repeat(depth)}${"]".repeat(depth)}]}`,
      () => `{"batchId":"deep","updates":[{"sku":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}]}`,
    ];
    const body = Buffer.from(this.pick(shapes)());
    return this.http("deep-nesting", this.pick(WMS_PATHS), "application/json", body.subarray(0, this.maxBodyBytes - 1), this.random() < 0.7);
  }

  private wrongTypes(): GarbageRequest {
    const update = { wmsId: "garbage-wms", sequence: "1", sku: "SKU-G", quantity: 1, status: "COUNTED", observedAt: new Date().toISOString() } as Record<string, unknown>;
    const notAString = [{}, [], true, 42, { nested: [1, 2] }];
    const wrong: Record<string, unknown[]> = {
      wmsId: notAString,
      sku: notAString,
      status: [...notAString, "NOT_A_STATUS"],
      observedAt: [...notAString, "2026-13-45T99:99:99Z", "yesterday"],
      sequence: [{}, [], true, "abc", -1.5, 1.5, "-5", "99999999999999999999999"],
      quantity: [{}, [], true, "abc", -1.5, "1e3x", -7],
    };
    const field = this.pick(Object.keys(wrong));
    const wholeRequest = this.random() < 0.3;
    const batch = wholeRequest
      ? this.pick<unknown>([{ batchId: 42, updates: [] }, { batchId: "x", updates: "nope" }, { batchId: "x", updates: {} }, [], "batch", 17, null, { batchId: "x", updates: [update], extra: 1 }])
      : { batchId: `types-${this.n}`, updates: [{ ...update, [field]: this.pick(wrong[field]!) }] };
    const body = Buffer.from(JSON.stringify(batch) ?? "null");
    return { ...this.http("wrong-types", this.pick(["/inventory/sync", V1]), "application/json", body, true), expect: "refused-or-rejected", updates: 1 };
  }

  private hostileSkus(): GarbageRequest {
    const skus = Array.from({ length: 1 + Math.floor(this.random() * 5) }, () => this.pick(HOSTILE_SKUS));
    const updates = skus.map((sku, i) => `{"wmsId":"garbage-wms","sequence":"${1 + i}","sku":"${sku}","quantity":1,"status":"COUNTED","observedAt":"${new Date().toISOString()}"}`);
    const body = Buffer.from(`{"batchId":"unicode-${this.n}","updates":[${updates.join(",")}]}`);
    // A lone surrogate is not a string protobuf can carry (strings are UTF-8): the decoder refuses the
    // whole body before any update reaches the rules, so that batch is refused, not rejected per update.
    const undecodable = skus.some((sku) => !(JSON.parse(`"${sku}"`) as string).isWellFormed());
    return {
      ...this.http("unicode-sku", this.pick(["/inventory/sync", V1]), "application/json", body, true),
      ...(undecodable ? { expect: "refused" as const } : { expect: "rejected" as const, updates: updates.length }),
    };
  }

  private badSignature(): GarbageRequest {
    const body = Buffer.from(JSON.stringify(goodishBatch(`sig-${this.n}`, 2)));
    const now = Math.floor(Date.now() / 1000);
    const header = this.pick([
      "",
      "garbage",
      "t=,k=,v1=",
      `t=${now},k=${TEST_KEY.id},v1=${"0".repeat(64)}`,
      `t=${now - 3600},k=${TEST_KEY.id},v1=${"a".repeat(64)}`,
      `t=abc,k=${TEST_KEY.id},v1=zz`,
      `t=${now},k=unknown-key,v1=${"b".repeat(64)}`,
      `t=${now},k=${TEST_KEY.id},v1=${"c".repeat(10_000)}`,
      signatureHeader(TEST_KEY.id, TEST_KEY.secret, now, Buffer.from("another body")),
      `t=${"9".repeat(400)},k=${TEST_KEY.id},v1=${"d".repeat(64)}`,
    ]);
    return { category: "bad-signature", transport: "http", method: "POST", path: this.pick(WMS_PATHS), headers: { "content-type": "application/json", "x-invsync-signature": header }, body, expect: "refused" };
  }

  private wrongMethodOrPath(): GarbageRequest {
    const cases: Array<[string, string]> = [
      ["GET", "/inventory/sync"],
      ["PUT", V1],
      ["DELETE", "/inventory/SKU-1"],
      ["GET", "/inventory/%E0%A4%A"],
      ["GET", "/inventory/%ZZ"],
      ["GET", `/inventory/${"%F0%9F%98%80".repeat(20)}`],
      ["POST", "/invsync.wms.v1.WmsSyncService/NoSuchRpc"],
      ["POST", "/invsync.nope.v1.Nope/Nope"],
      ["GET", "/invsync.inventory.v1.InventoryService/GetInventory?encoding=json&message=%7Bnot-json"],
      ["GET", "/invsync.inventory.v1.InventoryService/GetInventory?encoding=proto&base64=1&message=%%%"],
      ["POST", "/inventory/SKU-1/reconcile"],
      ["GET", "/../../etc/passwd"],
    ];
    const [method, path] = this.pick(cases);
    const body = method === "GET" || method === "DELETE" ? undefined : Buffer.from("{}");
    return { category: "wrong-method-or-path", transport: "http", method, path, headers: { "content-type": "application/json" }, body, expect: "refused" };
  }

  private brokenGrpc(): GarbageRequest {
    const payload = Buffer.alloc(Math.floor(this.random() * 512));
    for (let i = 0; i < payload.length; i++) payload[i] = Math.floor(this.random() * 256);
    const frames = [
      () => frame(0, payload),
      () => frame(1, payload), // "compressed" without grpc-encoding
      () => frame(0, payload).subarray(0, 3),
      () => Buffer.concat([frame(0, payload).subarray(0, 5), Buffer.from([1, 2])]), // length says more than follows
      () => Buffer.alloc(0),
      () => frame(0, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    ];
    const path = this.pick([V1, V2, "/invsync.inventory.v1.InventoryService/GetInventory", "/invsync.inventory.v1.ReservationService/ReserveStock", "/invsync.wms.v1.WmsSyncService/Nope"]);
    return { category: "broken-grpc", transport: "grpc", method: "POST", path, headers: { "content-type": "application/grpc" }, body: this.pick(frames)(), expect: "refused" };
  }

  private http(category: string, path: string, type: string, body: Buffer, signed: boolean): GarbageRequest {
    const headers: Record<string, string> = type ? { "content-type": type } : {};
    if (signed) headers["x-invsync-signature"] = signatureHeader(TEST_KEY.id, TEST_KEY.secret, Math.floor(Date.now() / 1000), body);
    return { category: `${category}${signed ? "" : " (unsigned)"}`, transport: "http", method: "POST", path, headers, body, expect: "refused" };
  }

  private pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.random() * values.length)]!;
  }
}

function goodishBatch(batchId: string, updates: number): unknown {
  return {
    batchId,
    updates: Array.from({ length: updates }, (_, i) => ({ wmsId: "garbage-wms", sequence: String(1 + i), sku: `SKU-G${i}`, quantity: i, status: "COUNTED", observedAt: new Date().toISOString() })),
  };
}

function frame(flags: number, message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}
