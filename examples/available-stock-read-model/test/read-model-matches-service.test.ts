import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { grpcClients, unary } from "../../../contract-tests/support/grpc-clients.js";
import { PrivateNats } from "../../../contract-tests/support/private-nats.js";
import { connectJson } from "../../../contract-tests/support/reservation-calls.js";
import { createTestDatabase, testStream, type TestDatabase } from "../../../contract-tests/support/test-servers.js";
import { postJson, syncBatch, wmsUpdate } from "../../../contract-tests/support/wms-fixtures.js";
import { FaultService } from "../../../fault-tests/support/fault-service.js";
import { EventProcessor, GrpcInventoryState, MemoryConsumerStore, startDurableConsumer } from "../../../packages/consumer-kit/src/index.js";
import { RecordingHandler } from "../../../packages/consumer-kit/test/recording-handler.js";
import { startReadModel, type RunningReadModel } from "../src/read-model-service.js";

const SKUS = Array.from({ length: 24 }, (_, i) => `RM-${i}${i % 5 === 0 ? ".X" : ""}`);
const LOCATIONS = ["default", "DC-2"];
const PARTITIONS_MOVED = "outbox partitions moved";
const RELAY_PARTITIONS = 16;

/** The outbox partitions `service` said it holds when they last moved (the relay's partitioned leases). */
function partitionsHeldBy(service: FaultService): number[] {
  const last = [...service.lines].reverse().find((l) => l.msg === PARTITIONS_MOVED);
  return (last?.held as number[] | undefined) ?? [];
}

async function waitFor(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ServiceStock {
  sku: string;
  locationId: string;
  onHand: string;
  reserved: string;
  available: string;
  version: string;
}

/**
 * End to end: the real service (two processes on one database, each able to run the relay) on a
 * private NATS server, fed by a WMS that resends batches; the example read model consumes with the
 * kit while NATS is restarted, one relay replica is SIGKILLed (the other takes its partitions over), garbage and a stale duplicate land
 * on the subjects. At the end its rows equal the service's ListInventory, each event applied once.
 */
describe("example: the available-stock read model matches the service through duplicates, a NATS restart and a relay failover", function () {
  this.timeout(300_000);
  let nats: PrivateNats;
  let serviceDb: TestDatabase;
  let readDb: TestDatabase;
  const stream = testStream("kit_e2e");
  const services: FaultService[] = [];
  let readModel: RunningReadModel | undefined;
  const log: Array<Record<string, unknown>> = [];
  let sequence = 0;
  let batchNo = 0;

  before(async () => {
    nats = await PrivateNats.start();
    serviceDb = await createTestDatabase("kit_e2e_service");
    readDb = await createTestDatabase("kit_e2e_read_model");
    const settings = {
      databaseUrl: serviceDb.url,
      natsUrl: nats.url,
      stream: stream.stream,
      subjectPrefix: stream.subjectPrefix,
      env: { WMS_SIGNATURE_REQUIRED: "false", NATS_DUPLICATE_WINDOW_SECONDS: "1" },
    };
    services.push(await FaultService.start(settings));
    services.push(await FaultService.start(settings));
  });

  after(async () => {
    await readModel?.stop();
    for (const service of services) await service.stop().catch(() => undefined);
    await nats?.destroy();
    await serviceDb?.drop();
    await readDb?.drop();
  });

  /** One WMS batch of counts (each update a new sequence) to `service`, resent once when `resend`. */
  async function sendBatch(service: FaultService, resend: boolean): Promise<void> {
    const updates = Array.from({ length: 8 }, (_, i) => {
      const sku = SKUS[(batchNo * 5 + i * 7) % SKUS.length]!;
      return wmsUpdate(sku, ++sequence, 20 + ((batchNo * 13 + i * 3) % 50), { locationId: LOCATIONS[(batchNo + i) % LOCATIONS.length]! });
    });
    const batch = syncBatch(`rm-${++batchNo}`, updates);
    for (let attempt = 0; attempt < (resend ? 2 : 1); attempt++) {
      const res = await postJson(`${service.baseUrl}/inventory/sync`, batch);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  }

  async function reserve(service: FaultService, n: number): Promise<void> {
    const result = await connectJson(service.baseUrl, "ReserveStock", { sku: SKUS[n % SKUS.length], locationId: "default", quantity: 3, orderReference: `O-${n}`, idempotencyKey: `rm-res-${n}` });
    // A reservation may be refused (not enough available): what matters is that the events of those taken arrive.
    if (!result.ok) assert.match(result.code, /failed_precondition|not_found/);
  }

  async function serviceStock(address: string): Promise<ServiceStock[]> {
    const clients = grpcClients(address);
    try {
      const rows: ServiceStock[] = [];
      let pageToken = "";
      do {
        const page = await unary(clients.inventory, "listInventory", { pageSize: 100, pageToken });
        for (const stock of page.stock) for (const l of stock.locations) rows.push({ sku: stock.sku, locationId: l.locationId, onHand: l.onHand, reserved: l.reserved, available: l.available, version: l.version });
        pageToken = page.nextPageToken;
      } while (pageToken);
      return rows.sort((a, b) => (a.sku + a.locationId < b.sku + b.locationId ? -1 : 1));
    } finally {
      clients.close();
    }
  }

  async function readModelStock(): Promise<ServiceStock[]> {
    return (await readModel!.model.rows())
      .map((r) => ({ sku: r.sku, locationId: r.locationId, onHand: String(r.onHand), reserved: String(r.reserved), available: String(r.available), version: String(r.version) }))
      .sort((a, b) => (a.sku + a.locationId < b.sku + b.locationId ? -1 : 1));
  }

  it("ends with the service's stock, each event applied once, garbage reported as dead letters", async () => {
    await waitFor("the two processes split the relay's outbox partitions", () =>
      services.every((s) => partitionsHeldBy(s).length > 0) && partitionsHeldBy(services[0]!).length + partitionsHeldBy(services[1]!).length === RELAY_PARTITIONS,
    );
    const victim = 0;
    const survivor = services[1]!;
    readModel = await startReadModel(
      { databaseUrl: readDb.url, natsUrl: nats.url, stream: stream.stream, subjectPrefix: stream.subjectPrefix, grpcAddress: survivor.grpcAddress, consumerName: "e2e-read-model", batchSize: 50 },
      (line) => void log.push(line),
    );

    // Load with duplicates (each batch resent: the service applies it once) and reservations.
    for (let i = 0; i < 12; i++) await sendBatch(services[i % 2]!, i % 3 === 0);
    for (let i = 0; i < 6; i++) await reserve(services[i % 2]!, i);

    // NATS restarts while the WMS keeps sending: events wait in the outbox.
    await nats.stop();
    for (let i = 0; i < 6; i++) await sendBatch(services[i % 2]!, i % 2 === 0);
    await nats.start();
    for (let i = 0; i < 6; i++) await sendBatch(services[i % 2]!, false);

    // One relay replica is killed where it stands; the other takes its partitions over.
    await services[victim]!.kill();
    for (let i = 0; i < 8; i++) await sendBatch(survivor, i % 4 === 0);
    for (let i = 6; i < 10; i++) await reserve(survivor, i);
    await waitFor("the surviving process took every outbox partition over", () => partitionsHeldBy(survivor).length === RELAY_PARTITIONS);

    // Garbage on the event subjects, and a real event published again past the duplicate window.
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const first = await (await jetstreamManager(nc)).streams.getMessage(stream.stream, { seq: 1 });
    assert.ok(first, "the stream holds its first event");
    const copy = headers();
    for (const name of ["Nats-Msg-Id", "Content-Type", "Invsync-Message", "Invsync-Event-Type"]) copy.set(name, first.header.get(name));
    const garbage = [
      { subject: `${stream.subjectPrefix}.v1.stock_counted.RM-1`, data: new Uint8Array([0xde, 0xad, 0xbe, 0xef]), headers: undefined },
      { subject: `${stream.subjectPrefix}.v1.stock_counted.RM-2`, data: first.data, headers: (() => { const h = headers(); h.set("Invsync-Message", "invsync.events.v1.Nope"); h.set("Nats-Msg-Id", "nope-1"); return h; })() },
      { subject: first.subject, data: new Uint8Array([0x0a, 0xff]), headers: (() => { const h = headers(); for (const [k, v] of copy) h.set(k, v[0]!); h.set("Nats-Msg-Id", "garbled-1"); return h; })() },
    ];
    await new Promise((r) => setTimeout(r, 1200));
    for (const g of garbage) await js.publish(g.subject, g.data, g.headers ? { headers: g.headers } : {});
    await js.publish(first.subject, first.data, { headers: copy });
    await nc.close();
    for (let i = 0; i < 4; i++) await sendBatch(survivor, false);

    // The read model catches up with the service.
    let service: ServiceStock[] = [];
    let model: ServiceStock[] = [];
    const until = Date.now() + 90_000;
    do {
      await new Promise((r) => setTimeout(r, 500));
      service = await serviceStock(survivor.grpcAddress);
      model = await readModelStock();
    } while (JSON.stringify(service) !== JSON.stringify(model) && Date.now() < until);
    assert.deepEqual(model, service);
    assert.ok(service.length >= SKUS.length, `${service.length} records`);

    // Each record's every event applied exactly once: the applied count equals the record's events.
    const pool = readModel.model.pool;
    const { rows: counts } = await pool.query<{ sku: string; location_id: string; version: string; events_applied: string }>(
      "SELECT sku, location_id, version::text, events_applied::text FROM available_stock",
    );
    const shortfalls = await shortfallCounts(nats.url, stream.stream, stream.subjectPrefix);
    for (const row of counts) {
      assert.equal(Number(row.events_applied), Number(row.version) + (shortfalls.get(`${row.sku}/${row.location_id}`) ?? 0), `${row.sku}/${row.location_id}`);
    }
    const { rows: letters } = await pool.query<{ reason: string }>("SELECT reason FROM read_model_dead_letters ORDER BY stream_sequence");
    assert.deepEqual(letters.map((l) => l.reason), ["missing-header", "unknown-message-type", "undecodable-payload"]);
    // The stream holds every record's versions unbroken; a consumer may still meet a later version
    // first (a message redelivered after the NATS restart, behind ones delivered meanwhile): such a
    // gap is healed from the stream, and the late message is then a duplicate.
    const { rows: issues } = await pool.query<{ kind: string; healing: string }>("SELECT kind, sku, last_version, version, healing FROM read_model_continuity");
    assert.ok(issues.every((i) => i.kind === "gap" && i.healing === "events"), JSON.stringify(issues));
    assert.ok(readModel.totals.duplicates >= 1, "the republished event was dropped as a duplicate");
    const consumer = await consumerState(nats.url, stream.stream, "e2e-read-model");
    assert.deepEqual(consumer, { pending: 0, ackPending: 0 });

    // A consumer that joins at the stream's last messages, requiring version 1 and healing only from
    // GetInventory: every record it meets is a gap, healed from the real service's state.
    const late = new RecordingHandler();
    const lateNc = await connect({ servers: nats.url });
    const state = new GrpcInventoryState(survivor.grpcAddress);
    try {
      const { state: streamState } = await (await jetstreamManager(lateNc)).streams.info(stream.stream);
      const processor = new EventProcessor({ consumer: "late", store: new MemoryConsumerStore(), handler: late, heal: { state } });
      const running = await startDurableConsumer(lateNc, processor, { stream: stream.stream, durable: "late", start: { sequence: streamState.last_seq - 40 } });
      const lateDeadline = Date.now() + 30_000;
      while ((await consumerState(nats.url, stream.stream, "late")).pending > 0 || late.issues.length === 0) {
        assert.ok(Date.now() < lateDeadline, "the late consumer read the stream's tail");
        await new Promise((r) => setTimeout(r, 200));
      }
      await running.stop();
    } finally {
      state.close();
      await lateNc.close();
    }
    assert.ok(late.states.length > 0 && late.issues.every((i) => i.kind === "gap" && i.healing === "state"), JSON.stringify(late.issues.map((i) => [i.kind, i.healing])));
    // Records it healed (the stale copy of event 1 in the tail is, to a consumer that never saw its
    // record, a plausible version 1: it is applied, and the record is not compared).
    const healed = new Set(late.states.map((st) => `${st.sku}/${st.locationId}`));
    for (const row of service) {
      const key = `${row.sku}/${row.locationId}`;
      if (healed.has(key)) assert.equal(String(late.onHand.get(key)), row.onHand, key);
    }
  });
});

/** How many StockShortfallDetected events each record has on the stream (they share their change's version). */
async function shortfallCounts(natsUrl: string, stream: string, prefix: string): Promise<Map<string, number>> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const counts = new Map<string, number>();
    const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}.v1.stock_shortfall_detected.>` });
    if (!info.state.subjects) return counts;
    const { fromBinary } = await import("@bufbuild/protobuf");
    const { InventoryEventSchema } = await import("../../../gen/invsync/events/v1/inventory_event_pb.js");
    const seen = new Set<string>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!message || !message.subject.includes(".stock_shortfall_detected.")) continue;
      const id = message.header.get("Nats-Msg-Id");
      if (seen.has(id)) continue;
      seen.add(id);
      const event = fromBinary(InventoryEventSchema, message.data);
      const key = `${event.sku}/${event.locationId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  } finally {
    await nc.close();
  }
}

async function consumerState(natsUrl: string, stream: string, durable: string): Promise<{ pending: number; ackPending: number }> {
  const nc = await connect({ servers: natsUrl });
  try {
    const info = await (await jetstreamManager(nc)).consumers.info(stream, durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  } finally {
    await nc.close();
  }
}
