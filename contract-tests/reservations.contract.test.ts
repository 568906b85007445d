import assert from "node:assert/strict";
import { readEvents } from "./support/event-reader.js";
import { unary } from "./support/grpc-clients.js";
import { connectCaller, grpcCaller, ownGrpcClients, type CallResult, type ReservationCaller } from "./support/reservation-calls.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { getJson, postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

describe("contract: ReservationService over Connect JSON and gRPC", function () {
  let svc: TestService;
  let grpcClients: ReturnType<typeof ownGrpcClients>;
  let protocols: Array<[string, ReservationCaller]>;
  let sequence = 0;

  /** Counts `quantity` of `sku` (observed `ageMs` ago) through the WMS sync alias. */
  async function count(sku: string, quantity: number, ageMs = 1000) {
    const observedAt = new Date(Date.now() - ageMs).toISOString();
    const res = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch(`b-${++sequence}`, [wmsUpdate(sku, sequence, quantity, { wmsId: "wms-res", observedAt })]));
    assert.equal(res.body.accepted, 1, JSON.stringify(res.body));
  }

  const stock = async (sku: string) => {
    const { stock: s } = (await getJson(`${svc.baseUrl}/inventory/${sku}`)).body;
    return [Number(s.onHand), Number(s.reserved), Number(s.available)];
  };
  const ok = (result: CallResult) => {
    assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
    return result.body;
  };
  const failed = (result: CallResult) => {
    assert.ok(!result.ok, `expected a failure, got ${JSON.stringify(result)}`);
    return result;
  };

  before(async () => {
    svc = await startTestService("reservations", { RESERVATION_SWEEP_INTERVAL_MS: "100", SHIPMENT_SETTLE_SECONDS: "0" });
    grpcClients = ownGrpcClients(svc.grpcAddress);
    protocols = [
      ["Connect JSON", connectCaller(svc.baseUrl)],
      ["gRPC", grpcCaller(grpcClients.reservations)],
    ];
  });
  afterEach(async () => {
    const report = ok(await protocols[0]![1]("VerifyReservedCounters", {}));
    assert.deepEqual([report.driftedRecords, report.drifts], ["0", []], "no reserved counter drifted");
  });
  after(async () => {
    grpcClients?.close();
    await svc?.stop();
  });

  it("reserves on either protocol and reads back with GetReservation and ListReservations", async () => {
    await count("C-RES-1", 10);
    const [connect, grpc] = protocols.map(([, call]) => call);
    const viaConnect = ok(await connect!("ReserveStock", { sku: "C-RES-1", quantity: 2, orderReference: "O-1", idempotencyKey: "c-res-1-a", ttl: "600s" }));
    assert.equal(viaConnect.replayed, false);
    const r = viaConnect.reservation;
    assert.deepEqual(
      [r.sku, r.locationId, r.requestedLocationId, r.quantity, r.orderReference, r.status, r.shipmentReference],
      ["C-RES-1", "default", "", "2", "O-1", "RESERVATION_STATUS_ACTIVE", ""],
    );
    assert.ok(Math.abs(Date.parse(r.expiresAt) - Date.now() - 600_000) < 30_000, `expires in 10 minutes: ${r.expiresAt}`);
    assert.equal(r.closedAt, undefined);
    const viaGrpc = ok(await grpc!("ReserveStock", { sku: "C-RES-1", locationId: "default", quantity: 3, orderReference: "O-1", idempotencyKey: "c-res-1-b" }));
    assert.deepEqual([viaGrpc.reservation.quantity, viaGrpc.reservation.status, viaGrpc.replayed], ["3", "RESERVATION_STATUS_ACTIVE", false]);
    assert.deepEqual(await stock("C-RES-1"), [10, 5, 5]);

    const read = ok(await grpc!("GetReservation", { reservationId: r.reservationId }));
    assert.equal(read.reservation.reservationId, r.reservationId);
    const listed = ok(await connect!("ListReservations", { orderReference: "O-1", status: "RESERVATION_STATUS_ACTIVE" }));
    assert.deepEqual(listed.reservations.map((x: { quantity: string }) => x.quantity), ["2", "3"]);
    assert.equal(listed.nextPageToken, "");
  });

  it("returns the original reservation for a retry with the same key, also after release; other parameters are AlreadyExists", async () => {
    await count("C-IDEM-1", 10);
    const request = { sku: "C-IDEM-1", quantity: 4, orderReference: "O-2", idempotencyKey: "c-idem-1" };
    const first = ok(await protocols[0]![1]("ReserveStock", request)).reservation;
    for (const [name, call] of protocols) {
      const again = ok(await call("ReserveStock", request));
      assert.deepEqual([again.replayed, again.reservation.reservationId], [true, first.reservationId], name);
    }
    ok(await protocols[1]![1]("ReleaseReservation", { reservationId: first.reservationId }));
    const afterRelease = ok(await protocols[0]![1]("ReserveStock", request));
    assert.deepEqual([afterRelease.replayed, afterRelease.reservation.status], [true, "RESERVATION_STATUS_RELEASED"]);
    assert.deepEqual(await stock("C-IDEM-1"), [10, 0, 10], "a replay reserves nothing");
    for (const [name, call] of protocols) {
      const reused = failed(await call("ReserveStock", { ...request, quantity: 5 }));
      assert.equal(reused.code, "already_exists", name);
      assert.equal(reused.detail?.code, "RESERVATION.IDEMPOTENCY_KEY_REUSED", name);
      assert.equal(reused.detail?.fieldViolations[0]?.field, "idempotency_key", name);
      assert.equal(reused.detail?.metadata?.reservation_id, first.reservationId, name);
    }
  });

  it("refuses what does not fit with FailedPrecondition naming SKU, requested and available, in the message and the ErrorDetail", async () => {
    await count("C-SHORT-1", 3);
    for (const [name, call] of protocols) {
      const refused = failed(await call("ReserveStock", { sku: "C-SHORT-1", quantity: 5, orderReference: "O-3", idempotencyKey: `c-short-${name.replace(/\W/g, "")}` }));
      assert.equal(refused.code, "failed_precondition", name);
      assert.match(refused.message, /insufficient stock for SKU "C-SHORT-1" at any one location: requested 5, available 3/, name);
      assert.deepEqual(refused.detail, {
        code: "RESERVATION.INSUFFICIENT_STOCK",
        fieldViolations: [],
        metadata: { sku: "C-SHORT-1", location_id: "", requested: "5", available: "3" },
      }, name);
    }
  });

  it("refuses bad input with InvalidArgument naming each field, and an unknown id with NotFound", async () => {
    for (const [name, call] of protocols) {
      const bad = failed(await call("ReserveStock", { sku: "bad sku", quantity: 0, orderReference: "", idempotencyKey: "" }));
      assert.equal(bad.code, "invalid_argument", name);
      assert.deepEqual(bad.detail?.fieldViolations.map((v) => v.field), ["sku", "quantity", "order_reference", "idempotency_key"], name);
      const missing = failed(await call("GetReservation", { reservationId: "0190b3a4-0000-7000-8000-000000000000" }));
      assert.deepEqual([missing.code, missing.detail?.code], ["not_found", "RESERVATION.NOT_FOUND"], name);
    }
  });

  it("releases an expired reservation automatically and publishes ReservationExpired", async function () {
    this.timeout(20_000);
    await count("C-EXP-1", 5);
    const made = ok(await protocols[1]![1]("ReserveStock", { sku: "C-EXP-1", quantity: 2, orderReference: "O-4", idempotencyKey: "c-exp-1", ttl: { seconds: 1 } }));
    assert.deepEqual(await stock("C-EXP-1"), [5, 2, 3]);
    let status = "";
    for (let i = 0; i < 100 && status !== "RESERVATION_STATUS_EXPIRED"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = ok(await protocols[0]![1]("GetReservation", { reservationId: made.reservation.reservationId })).reservation.status;
    }
    assert.equal(status, "RESERVATION_STATUS_EXPIRED");
    assert.deepEqual(await stock("C-EXP-1"), [5, 0, 5]);
    const extend = failed(await protocols[0]![1]("ExtendReservation", { reservationId: made.reservation.reservationId, ttl: "60s" }));
    assert.deepEqual([extend.code, extend.detail?.code], ["failed_precondition", "RESERVATION.NOT_ACTIVE"]);
    const events = await readEvents(svc.config.natsUrl, svc.stream.stream, 3, { filterSubject: `${svc.stream.subjectPrefix}.v1.*.C-EXP-1`, graceMs: 200 });
    assert.deepEqual(events.map((e) => e.subject.split(".").at(-2)), ["stock_counted", "stock_reserved", "reservation_expired"]);
    assert.equal(events[2]?.headers["Invsync-Event-Type"], "ReservationExpired");
  });

  it("publishes reserved, fulfilled and shortfall events in order, with a count taken before the shipment subtracted", async () => {
    await count("C-EV-1", 10, 60_000);
    const call = protocols[0]![1];
    const a = ok(await call("ReserveStock", { sku: "C-EV-1", quantity: 3, orderReference: "O-5", idempotencyKey: "c-ev-1-a" })).reservation;
    const b = ok(await call("ReserveStock", { sku: "C-EV-1", quantity: 6, orderReference: "O-6", idempotencyKey: "c-ev-1-b" })).reservation;
    const shipped = ok(await protocols[1]![1]("FulfilReservation", { reservationId: a.reservationId, shipmentReference: "SHIP-5" })).reservation;
    assert.deepEqual([shipped.status, shipped.shipmentReference], ["RESERVATION_STATUS_FULFILLED", "SHIP-5"]);
    await count("C-EV-1", 10, 30_000); // counted before A shipped, arriving after: A is still subtracted
    assert.deepEqual(await stock("C-EV-1"), [7, 6, 1]);
    await count("C-EV-1", 4, 0); // counted after: four units, six promised
    assert.deepEqual(await stock("C-EV-1"), [4, 6, 0]);
    ok(await call("ReleaseReservation", { reservationId: b.reservationId }));

    const events = await readEvents(svc.config.natsUrl, svc.stream.stream, 8, { filterSubject: `${svc.stream.subjectPrefix}.v1.*.C-EV-1`, graceMs: 300 });
    const trail = events.map(({ event: e }) => [e.type, Number(e.version), Number(e.delta), Number(e.after?.onHand), Number(e.after?.reserved), Number(e.after?.available)]);
    // EventType numbers: 1 StockCounted, 10 StockReserved, 11 Released, 13 Fulfilled, 14 ShortfallDetected.
    assert.deepEqual(trail, [
      [1, 1, 10, 10, 0, 10],
      [10, 2, 3, 10, 3, 7],
      [10, 3, 6, 10, 9, 1],
      [13, 4, -3, 7, 6, 1],
      [1, 5, 0, 7, 6, 1],
      [1, 6, -3, 4, 6, 0],
      [14, 6, -2, 4, 6, 0],
      [11, 7, -6, 4, 0, 4],
    ]);
    const fulfilled = events[3]!.event;
    assert.equal(fulfilled.source, 2, "EVENT_SOURCE_RESERVATION");
    assert.deepEqual(
      fulfilled.cause?.kind.case === "reservation" ? [fulfilled.cause.kind.value.reservationId, fulfilled.cause.kind.value.orderReference, fulfilled.cause.kind.value.shipmentReference] : [],
      [a.reservationId, "O-5", "SHIP-5"],
    );
    assert.equal(events[6]?.subject, `${svc.stream.subjectPrefix}.v1.stock_shortfall_detected.C-EV-1`);
  });

  it("treats a WMS v2 pick that leaves on_hand below reserved as a shortfall, like a count", async () => {
    await count("C-RES-PICK", 10);
    ok(await protocols[0]![1]("ReserveStock", { sku: "C-RES-PICK", quantity: 6, orderReference: "O-PICK", idempotencyKey: "c-res-pick" }));
    const pick = await postJson(`${svc.baseUrl}/invsync.wms.v2.WmsSyncService/SyncStock`, {
      batchRef: "v2-pick",
      records: [
        {
          sourceSystem: "wms-res-v2",
          seqNo: "1",
          itemCode: "C-RES-PICK",
          eventTime: new Date(Date.now() - 500).toISOString(),
          movement: { movementType: "MOVEMENT_TYPE_PICK", delta: "-7" },
        },
      ],
    });
    assert.equal(pick.body.applied, 1, JSON.stringify(pick.body));
    assert.deepEqual(await stock("C-RES-PICK"), [3, 6, 0], "available is zero, never negative");
    const filterSubject = `${svc.stream.subjectPrefix}.v1.*.C-RES-PICK`;
    const events = (await readEvents(svc.config.natsUrl, svc.stream.stream, 4, { filterSubject, graceMs: 300 })).map((r) => r.subject.split(".").at(-2));
    assert.deepEqual(events, ["stock_counted", "stock_reserved", "stock_moved", "stock_shortfall_detected"]);
  });

  it("serves ReservationService in gRPC health and reflection, and reports drift and outcomes on /metrics", async () => {
    const health = await unary(grpcClients.health, "check", { service: "invsync.inventory.v1.ReservationService" });
    assert.equal(health.status, "SERVING");
    const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    assert.match(text, /^invsync_reserved_drift_skus 0$/m);
    assert.match(text, /invsync_reservation_requests_total\{outcome="insufficient_stock"\} 2/);
    assert.match(text, /invsync_reservations_closed_total\{status="expired"\} 1/);
  });
});
