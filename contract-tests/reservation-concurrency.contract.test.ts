import assert from "node:assert/strict";
import pg from "pg";
import { connectCaller, grpcCaller, ownGrpcClients, type CallResult, type ReservationCaller } from "./support/reservation-calls.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const CLIENTS = 60;

/**
 * Many clients at once against the real server (half Connect JSON over HTTP/1.1, half gRPC, each on
 * a connection of its own) and small stock. These are the tests that would have caught medusa's
 * #16569 (concurrent reservations oversubscribe and lose updates of reserved_quantity), #16576
 * (concurrent stock adjustments lose updates), #16502 (lines of one order for the same item checked
 * against the same, un-decremented availability) and #12401 (reserved drifting below its rows).
 */
describe("contract: reservations under concurrency (60 clients, PostgreSQL)", function () {
  this.timeout(60_000);
  let svc: TestService;
  let callers: ReservationCaller[];
  let closeClients: () => void;
  let db: pg.Client;
  let sequence = 0;

  async function count(sku: string, quantity: number, options: { location?: string; observedAt?: Date } = {}) {
    const observedAt = (options.observedAt ?? new Date(Date.now() - 1000)).toISOString();
    const update = wmsUpdate(sku, ++sequence, quantity, { wmsId: "wms-conc", observedAt, ...(options.location ? { locationId: options.location } : {}) });
    assert.equal((await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(`c-${sequence}`, [update]))).body.accepted, 1);
  }

  async function records(sku: string) {
    const { rows } = await db.query(
      `SELECT location_id, on_hand::int, reserved::int, available::int,
              (SELECT coalesce(sum(quantity), 0)::int FROM reservations r WHERE r.sku = i.sku AND r.location_id = i.location_id AND r.status = 'active') AS active
       FROM inventory i WHERE sku = $1 ORDER BY location_id`,
      [sku],
    );
    return rows as Array<{ location_id: string; on_hand: number; reserved: number; available: number; active: number }>;
  }

  /** Samples `sku`'s records while `work` runs and fails if reserved ever exceeded on_hand. */
  async function watching<T>(sku: string, work: Promise<T>): Promise<T & { samples: number }> {
    let done = false;
    let samples = 0;
    const watch = (async () => {
      while (!done) {
        for (const r of await records(sku)) assert.ok(r.reserved <= r.on_hand, `reserved ${r.reserved} exceeded on_hand ${r.on_hand} at ${r.location_id}`);
        samples++;
      }
    })();
    try {
      const result = await work;
      return Object.assign(result as object, { samples }) as T & { samples: number };
    } finally {
      done = true;
      await watch;
    }
  }

  /** Runs `perClient(caller, index)` for every client at once. */
  function everyClient<T>(perClient: (call: ReservationCaller, index: number) => Promise<T>): Promise<T[]> {
    return Promise.all(callers.map((call, index) => perClient(call, index)));
  }

  const reserve = (call: ReservationCaller, sku: string, quantity: number, key: string, extra: object = {}) =>
    call("ReserveStock", { sku, quantity, orderReference: `order-${key}`, idempotencyKey: key, ...extra });

  function outcomes(results: CallResult[]) {
    const refusals = results.filter((r): r is Extract<CallResult, { ok: false }> => !r.ok);
    const others = refusals.filter((r) => r.detail?.code !== "RESERVATION.INSUFFICIENT_STOCK");
    assert.deepEqual(others, [], "the only failure allowed is insufficient stock: no deadlock, timeout or internal error");
    return { accepted: results.filter((r) => r.ok).map((r) => (r as { body: any }).body.reservation), refusals };
  }

  before(async () => {
    svc = await startTestService("res_concurrency", { SHIPMENT_SETTLE_SECONDS: "0" });
    const grpcBundles = Array.from({ length: CLIENTS / 2 }, () => ownGrpcClients(svc.grpcAddress));
    callers = [...grpcBundles.map((b) => grpcCaller(b.reservations)), ...grpcBundles.map(() => connectCaller(svc.baseUrl))];
    closeClients = () => grpcBundles.forEach((b) => b.close());
    db = new pg.Client({ connectionString: svc.database.url });
    await db.connect();
  });
  afterEach(async () => {
    const report = await callers[0]!("VerifyReservedCounters", {});
    assert.ok(report.ok);
    assert.deepEqual([report.body.driftedRecords, report.body.drifts], ["0", []], "no reserved counter drifted");
  });
  after(async () => {
    closeClients?.();
    await db?.end();
    await svc?.stop();
  });

  it("accepts exactly the stock when 60 clients race for 20 units, 3 requests each (#16569)", async () => {
    await count("HOT-1", 20);
    const run = await watching(
      "HOT-1",
      everyClient(async (call, c) => {
        const results: CallResult[] = [];
        for (let i = 0; i < 3; i++) results.push(await reserve(call, "HOT-1", 1, `hot-1-${c}-${i}`));
        return results;
      }),
    );
    const { accepted, refusals } = outcomes(run.flat());
    assert.equal(accepted.length, 20, "accepted reservations = stock");
    assert.equal(refusals.length, 160);
    assert.ok(refusals.every((r) => r.detail?.metadata?.available === "0"));
    assert.deepEqual(await records("HOT-1"), [{ location_id: "default", on_hand: 20, reserved: 20, available: 0, active: 20 }]);
    assert.ok(run.samples > 0);
  });

  it("with mixed quantities, accepted plus available is exactly the stock and every refusal was right to refuse", async () => {
    await count("HOT-2", 37);
    const results = await watching("HOT-2", everyClient((call, c) => reserve(call, "HOT-2", 1 + (c % 4), `hot-2-${c}`)));
    const { accepted, refusals } = outcomes(results);
    const reserved = accepted.reduce((sum: number, r: { quantity: string }) => sum + Number(r.quantity), 0);
    const [record] = await records("HOT-2");
    assert.deepEqual([record?.reserved, record?.active, reserved + record!.available], [reserved, reserved, 37]);
    for (const r of refusals) assert.ok(Number(r.detail?.metadata?.available) < Number(r.detail?.metadata?.requested));
  });

  it("loses no update when fulfilments, releases, new reservations and a WMS count race on one SKU (#16576, #12401)", async () => {
    const before = new Date(Date.now() - 5000);
    await count("HOT-3", 40, { observedAt: new Date(before.getTime() - 1000) });
    const held = [];
    for (let i = 0; i < 20; i++) held.push(((await reserve(callers[i]!, "HOT-3", 1, `hot-3-held-${i}`)) as { body: any }).body.reservation.reservationId);
    const results = await watching(
      "HOT-3",
      Promise.all([
        ...held.slice(0, 10).map((id, i) => callers[i]!("FulfilReservation", { reservationId: id })),
        ...held.slice(10).map((id, i) => callers[10 + i]!("ReleaseReservation", { reservationId: id })),
        ...held.slice(10).map((id, i) => callers[20 + i]!("ReleaseReservation", { reservationId: id })),
        ...callers.slice(30, 50).map((call, i) => reserve(call, "HOT-3", 1, `hot-3-new-${i}`)),
        count("HOT-3", 40, { observedAt: before }).then(() => ({ ok: true, body: {} }) as CallResult),
      ]),
    );
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.filter((r) => !r.ok)));
    // The count was taken before any of the ten shipments, so all ten come off it whatever the order.
    assert.deepEqual(await records("HOT-3"), [{ location_id: "default", on_hand: 30, reserved: 20, available: 10, active: 20 }]);
    const { rows } = await db.query(`SELECT type, count(*)::int AS n FROM inventory_events WHERE sku = 'HOT-3' GROUP BY type ORDER BY type`);
    assert.deepEqual(rows, [
      { type: "ReservationFulfilled", n: 10 },
      { type: "ReservationReleased", n: 10 },
      { type: "StockCounted", n: 2 },
      { type: "StockReserved", n: 40 },
    ]);
  });

  it("checks lines of one order for the same SKU against what the other lines took (#16502), and any-location requests too", async () => {
    for (let s = 0; s < 10; s++) await count(`BUNDLE-${s}`, 5);
    const lines = await everyClient((call, c) => {
      const sku = `BUNDLE-${c % 10}`;
      return reserve(call, sku, 3, `bundle-${c}`, { orderReference: `order-bundle-${c % 10}` });
    });
    const { accepted } = outcomes(lines);
    const perSku = new Map<string, number>();
    for (const r of accepted) perSku.set(r.sku, (perSku.get(r.sku) ?? 0) + 1);
    assert.deepEqual([...perSku.values()], Array(10).fill(1), "3 + 3 > 5: exactly one line per SKU fits");

    for (const location of ["DC-1", "DC-2", "DC-3"]) await count("SPREAD-1", 2, { location });
    const spread = outcomes(await everyClient((call, c) => reserve(call, "SPREAD-1", 1, `spread-${c}`)));
    assert.equal(spread.accepted.length, 6);
    assert.deepEqual((await records("SPREAD-1")).map((r) => [r.location_id, r.reserved, r.available]), [
      ["DC-1", 2, 0],
      ["DC-2", 2, 0],
      ["DC-3", 2, 0],
    ]);
  });
});
