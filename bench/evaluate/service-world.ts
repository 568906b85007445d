import { fromBinary } from "@bufbuild/protobuf";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { InventoryEventSchema } from "../../gen/invsync/events/v1/inventory_event_pb.js";
import { ensureBuilt, ServiceProcess } from "../../contract-tests/support/service-process.js";
import { createTestDatabase, NATS_URL, testStream } from "../../contract-tests/support/test-servers.js";
import { oversellOutcome, percentile, type MadeReservation, type SeenCount } from "./outcomes.js";
import { CountFreeze } from "./count-freeze.js";
import { compareDayEnd, type WorldResult } from "./legacy-world.js";
import { DAY_MS, recordKey, WarehouseFloor, type SimulatedDay, type WmsEvent } from "./simulated-day.js";

const OPERATOR_TOKEN = "evaluate-operator-token-0123456789abcdef";
const V2_SYNC = "/invsync.wms.v2.WmsSyncService/SyncStock";
const RESERVATIONS = "/invsync.inventory.v1.ReservationService";

/** How the real service plays the day. */
export interface ServiceWorldOptions {
  /** The day lasts this many real seconds (the day's time is compressed DAY_MS / (1000 × daySeconds) times). */
  readonly daySeconds: number;
  /** Order-line calls (reserve, fulfil, release) in flight at once. */
  readonly concurrency: number;
  readonly log: (line: string) => void;
}

/** What the harness measured of the service from outside, and what the service says of itself. */
export interface ServiceWorldResult extends WorldResult {
  /** Freshness lag per update in real ms (observed_at as sent → JetStream stored), what the service's scorecard measures. */
  readonly realFreshnessMs: number[];
  /** The service's `GetScorecard` response for the day's window (Connect JSON). */
  readonly scorecard: any;
  /** Where the service's real lag goes (medians from its own tables): WMS observed_at → committed, committed → JetStream ack. */
  readonly lagBreakdownMs: { readonly observedToCommit: number; readonly commitToAck: number };
  /** How many times faster than a real day the day was played. */
  readonly compression: number;
  /** Real seconds the harness ran behind the day's schedule at worst, and for 99 % of the order-line calls (sent after their time, waiting for a free slot): the load it could not keep up with. */
  readonly maxBehindSeconds: number;
  readonly callsBehindP99Seconds: number;
  readonly calls: { readonly wmsRequests: number; readonly reservationCalls: number; readonly failedCalls: number };
}

/**
 * The real service, started as a child process exactly as `npm start` runs it, on a database and
 * JetStream stream of its own, every SKU on the new path: the day's WMS feed is posted to its WMS
 * endpoint (Connect JSON, wms.v2 snapshots and movements), the order stream calls its reservation
 * endpoints, and a downstream consumer reads its events from JetStream. Simulated time maps to real
 * time by the compression; `observed_at` is stamped with the real instant the WMS read the floor.
 *
 * A pick takes its units off the floor as its fulfilment is sent, and the service records the
 * shipment when it commits it: a count read in between would already miss the units the service
 * does not yet know have left, and the service (rightly, see docs/reservations.md) takes the
 * shipment as not in the count, so it would be subtracted twice. In a real day that window is one
 * request's latency; compressed, it spans minutes or hours of the day, so the harness keeps it shut
 * as a warehouse does: a record is not counted while a pick on it is in progress (see {@link CountFreeze}).
 */
export async function runServiceWorld(day: SimulatedDay, options: ServiceWorldOptions): Promise<ServiceWorldResult> {
  ensureBuilt();
  const database = await createTestDatabase("evaluate");
  const stream = testStream("evaluate");
  const service = ServiceProcess.spawn({
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_STREAM: stream.stream,
    NATS_SUBJECT_PREFIX: stream.subjectPrefix,
    HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    GRPC_PORT: "0",
    LOG_LEVEL: "info",
    FLAGS_BOOTSTRAP_FILE: "flags/all-new.json",
    WMS_SIGNATURE_REQUIRED: "false",
    OPERATOR_TOKENS: `evaluate:operator:${OPERATOR_TOKEN}`,
    // The day is compressed: a settle margin of seconds would be hours of the day; picks are reported at once.
    SHIPMENT_SETTLE_SECONDS: "0",
    RESERVATION_DEFAULT_TTL_SECONDS: "86400",
    RELAY_IDLE_MS: "20",
    SCORECARD_REFRESH_SECONDS: "3600",
  });
  const db = new pg.Client({ connectionString: database.url });
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  try {
    const started = await service.waitForLog("inventory-sync started", 90_000).catch(() => {
      throw new Error(`service did not start: ${service.stderr.join("")}`);
    });
    await db.connect();
    const baseUrl = `http://127.0.0.1:${started.gatewayPort as number}`;
    for (let ready = false; !ready; await sleep(100)) {
      const body = (await (await fetch(`${baseUrl}/readyz`)).json()) as { nats?: { streamReady?: boolean } };
      ready = body.nats?.streamReady === true;
    }
    const post = async (path: string, body: unknown, operator = false): Promise<{ ok: boolean; status: number; body: any }> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(operator ? { authorization: `Bearer ${OPERATOR_TOKEN}` } : {}) },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { ok: response.ok, status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const drained = async () => {
      for (;;) {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM outbox_chunks`);
        if (rows[0].n === 0) return;
        await sleep(100);
      }
    };

    // The stock at 00:00, as snapshots observed just before the day starts (not part of the day's figures).
    options.log(`evaluate: seeding ${day.records.length} stock records …`);
    const seedAt = new Date(Date.now() - 5_000).toISOString();
    for (let first = 0; first < day.records.length; first += 1000) {
      const records = day.records.slice(first, first + 1000).map((r, i) => ({
        sourceSystem: "wms-seed",
        seqNo: String(first + i + 1),
        itemCode: r.sku,
        site: r.location,
        eventTime: seedAt,
        snapshot: { sellable: String(r.startingStock), damaged: "0", qualityHold: "0" },
      }));
      const res = await post(V2_SYNC, { batchRef: `seed-${first}`, records });
      if (!res.ok || res.body.applied !== records.length) throw new Error(`seeding failed: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    await drained();

    // A downstream consumer from here on: the stream's stored time is when JetStream acknowledged.
    const info = await (await jetstream(nc).jetstreamManager()).streams.info(stream.stream);
    const consumer = await jetstream(nc).consumers.get(stream.stream, { opt_start_seq: info.state.last_seq + 1 });
    const stored = new Map<string, number>();
    const messages = await consumer.consume({ max_messages: 5000 });
    const reading = (async () => {
      for await (const message of messages) {
        const event = fromBinary(InventoryEventSchema, message.data);
        if (event.cause?.kind.case !== "wmsUpdate") continue;
        const key = `${event.cause.kind.value.wmsId}#${event.cause.kind.value.sequence}`;
        if (!stored.has(key)) stored.set(key, Number(message.info.timestampNanos) / 1e6);
      }
    })();

    const compression = DAY_MS / (options.daySeconds * 1000);
    const realStart = Date.now() + 1000;
    const floor = new WarehouseFloor(day.records);
    const counts: SeenCount[] = [];
    const reservations = new Map<string, MadeReservation & { closedAt: number | undefined; refusedAtPick: boolean; madeSim: number }>();
    const held = new Map<string, Promise<void>>();
    const sentUpdates = new Map<string, WmsEvent>();
    /** Per update (`source#sequence`): the real instant the WMS read it off the floor, and when it was handed to the WMS's sender. */
    const readAt = new Map<string, number>();
    const deliveredAt = new Map<string, number>();
    const freeze = new CountFreeze();
    const latestCountObserved = new Map<string, number>();
    const queues = new Map<string, { items: object[]; busy: boolean }>();
    let refusedAtReservation = 0;
    let inFlight = 0;
    let wmsRequests = 0;
    let reservationCalls = 0;
    let failedCalls = 0;
    let maxBehind = 0;
    const waiting: Array<() => void> = [];
    const slot = async () => {
      while (inFlight >= options.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight++;
    };
    const release = () => {
      inFlight--;
      waiting.shift()?.();
    };
    /** Calls the reservation service once a slot is free; `prepare` (run then) says which method with what. */
    const callsBehind: number[] = [];
    /** How long the order-line calls since the last progress line took, ms. */
    let callMs: number[] = [];
    const callWhenFree = async (atSim: number, prepare: () => { method: string; body: object } | Promise<{ method: string; body: object }>) => {
      await slot();
      try {
        reservationCalls++;
        const { method, body } = await prepare();
        const sentAt = Date.now();
        const behind = Math.max(0, sentAt - (realStart + atSim / compression)) / 1000;
        callsBehind.push(behind);
        maxBehind = Math.max(maxBehind, behind);
        const answer = await post(`${RESERVATIONS}/${method}`, body);
        callMs.push(Date.now() - sentAt);
        return { sentAt, ...answer };
      } finally {
        release();
      }
    };
    const call = (atSim: number, method: string, body: object) => callWhenFree(atSim, () => ({ method, body }));

    const wmsRecord = (event: WmsEvent, value: number, observedAt: number) => {
      const base = { sourceSystem: event.source, seqNo: String(event.sequence), itemCode: event.sku, site: event.location, eventTime: new Date(observedAt).toISOString() };
      if (event.kind === "count") return { ...base, snapshot: { sellable: String(value), damaged: "0", qualityHold: "0" } };
      const movementType = event.kind === "receipt" ? "MOVEMENT_TYPE_RECEIPT" : event.kind === "shipment" ? "MOVEMENT_TYPE_SHIP" : "MOVEMENT_TYPE_ADJUSTMENT";
      return { ...base, movement: { movementType, delta: String(value), reference: `${event.kind}-${event.sequence}` } };
    };
    const flush = (source: string) => {
      const queue = queues.get(source);
      if (!queue || queue.busy || queue.items.length === 0) return;
      queue.busy = true;
      const records = queue.items.splice(0, 1000);
      wmsRequests++;
      void post(V2_SYNC, { batchRef: `${source}-${wmsRequests}`, records })
        .then((res) => {
          if (!res.ok) {
            failedCalls++;
            options.log(`evaluate: a WMS batch failed: ${JSON.stringify(res.body).slice(0, 300)}`);
          }
        })
        .finally(() => {
          queue.busy = false;
          flush(source);
        });
    };
    const deliver = (event: WmsEvent, value: number, observedAt: number) => {
      let queue = queues.get(event.source);
      if (!queue) queues.set(event.source, (queue = { items: [], busy: false }));
      queue.items.push(wmsRecord(event, value, observedAt));
      flush(event.source);
    };

    /** The WMS reads `event` off the floor now, and delivers it when the day says. */
    const observe = (event: WmsEvent) => {
      const observedAt = Date.now();
      const value = floor.observe(event);
      if (!event.reported || (event.kind !== "count" && value === 0)) return;
      const id = `${event.source}#${event.sequence}`;
      readAt.set(id, observedAt);
      steps.push({
        at: event.deliverMs,
        order: 1,
        run: () => {
          deliver(event, value, observedAt);
          deliveredAt.set(id, Date.now());
          sentUpdates.set(id, event);
          if (event.kind === "count") {
            const key = recordKey(event.sku, event.location);
            // A count older than one already delivered for the record is stale: the service skips it.
            if ((latestCountObserved.get(key) ?? -1) < event.observedMs) {
              latestCountObserved.set(key, event.observedMs);
              counts.push({ sku: event.sku, location: event.location, observedAt, quantity: value });
            }
          }
        },
      });
      if (event.duplicate) steps.push({ at: event.deliverMs + 3_000, order: 1, run: () => deliver(event, value, observedAt) });
    };
    const steps = new StepQueue();
    for (const event of day.wms) {
      steps.push({ at: event.observedMs, order: 0, run: () => freeze.read(recordKey(event.sku, event.location), event.kind === "count", () => observe(event)) });
    }
    for (const line of day.orders) {
      steps.push({
        at: line.atMs,
        order: 2,
        run: () => {
          held.set(
            line.id,
            call(line.atMs, "ReserveStock", { sku: line.sku, quantity: line.quantity, orderReference: `ORDER-${line.id}`, idempotencyKey: line.id }).then((res) => {
              if (res.ok) {
                const r = res.body.reservation;
                reservations.set(line.id, { id: r.reservationId, sku: r.sku, location: r.locationId, quantity: line.quantity, madeAt: res.sentAt, madeSim: line.atMs, closedAt: undefined, refusedAtPick: false });
              } else if (res.body?.code === "failed_precondition") refusedAtReservation++;
              else {
                failedCalls++;
                options.log(`evaluate: ReserveStock failed: ${JSON.stringify(res.body).slice(0, 300)}`);
              }
            }),
          );
        },
      });
      steps.push({
        at: Math.min(line.closeMs, DAY_MS - 1),
        order: 3,
        run: () => {
          const made = held.get(line.id);
          const closing = (made ?? Promise.resolve()).then(async () => {
            const r = reservations.get(line.id);
            if (!r) return;
            // The goods leave the floor as the fulfilment is sent (not earlier: a count in between would see them gone
            // before the service knows of the shipment); a pick that finds too few is refused and the line released.
            const key = recordKey(r.sku, r.location);
            let picked = false;
            const res = await callWhenFree(Math.min(line.closeMs, DAY_MS - 1), async () => {
              await freeze.beforePick(key);
              picked = !line.cancelled && floor.pick(r.sku, r.location, r.quantity);
              if (!line.cancelled && !picked) r.refusedAtPick = true;
              if (picked) freeze.pickStarted(key);
              return picked
                ? { method: "FulfilReservation", body: { reservationId: r.id, shipmentReference: `SHIP-${line.id}` } }
                : { method: "ReleaseReservation", body: { reservationId: r.id } };
            }).finally(() => {
              if (picked) freeze.pickEnded(key);
            });
            r.closedAt = res.sentAt;
            if (!res.ok) {
              failedCalls++;
              options.log(`evaluate: closing ${line.id} failed: ${JSON.stringify(res.body).slice(0, 300)}`);
            }
          });
          held.set(line.id, closing);
        },
      });
    }

    options.log(`evaluate: playing the day in ${options.daySeconds} s (${compression.toFixed(0)}× compressed): ${day.wms.length} WMS events, ${day.orders.length} order lines …`);
    let lastReport = Date.now();
    for (;;) {
      if (steps.size === 0) {
        // Every step has run; what is still in flight may let a frozen count read the floor (a step more).
        await Promise.all(held.values());
        if (steps.size === 0) break;
      }
      const simNow = (Date.now() - realStart) * compression;
      let ran = 0;
      for (let step = steps.peek(); step && step.at <= simNow; step = steps.peek()) {
        steps.pop();
        if (ran++ === 0) maxBehind = Math.max(maxBehind, (simNow - step.at) / compression / 1000);
        step.run();
      }

      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        options.log(`evaluate: ${(simNow / 3_600_000).toFixed(1)} h of the day, ${reservationCalls} reservation calls, ${wmsRequests} WMS requests, ${inFlight} in flight, calls p50 / p99 ${percentile(callMs, 0.5) ?? 0} / ${percentile(callMs, 0.99) ?? 0} ms`);
        callMs = [];
      }
      await sleep(ran > 0 && inFlight >= options.concurrency ? 5 : 20);
    }
    for (;;) {
      if ([...queues.values()].every((q) => !q.busy && q.items.length === 0)) break;
      await sleep(20);
    }
    await drained();
    const dayEnd = Date.now();
    await sleep(500);

    // From outside: the service's stock against the WMS's book and the floor, then the WMS's end-of-day snapshot (its book) through reconciliation.
    const serviceStock = new Map<string, number>();
    let pageToken = "";
    do {
      const page = await post("/invsync.inventory.v1.InventoryService/ListInventory", { pageSize: 1000, pageToken }, true);
      if (!page.ok) throw new Error(`ListInventory failed: ${JSON.stringify(page.body)}`);
      for (const stock of page.body.stock ?? []) {
        for (const location of stock.locations ?? []) serviceStock.set(recordKey(stock.sku, location.locationId), Number(location.onHand ?? 0));
      }
      pageToken = page.body.nextPageToken ?? "";
    } while (pageToken);
    const discrepancy = compareDayEnd(day, floor, (sku, location) => serviceStock.get(recordKey(sku, location)));
    if (process.env.EVALUATE_KEEP_DATABASE) {
      await db.query(`CREATE TABLE evaluate_floor (sku text, location_id text, on_hand bigint, booked bigint)`);
      await db.query(`INSERT INTO evaluate_floor SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])`, [
        day.records.map((r) => r.sku),
        day.records.map((r) => r.location),
        day.records.map((r) => floor.onHand(r.sku, r.location)),
        day.records.map((r) => floor.booked(r.sku, r.location)),
      ]);
    }
    const begun = await post("/invsync.inventory.v1.ReconciliationService/BeginSnapshot", { wmsId: "wms-snapshot", snapshotRef: "end-of-day", takenAt: new Date().toISOString(), complete: true }, true);
    if (!begun.ok) throw new Error(`BeginSnapshot failed: ${JSON.stringify(begun.body)}`);
    const runId = begun.body.run.runId;
    const observedAt = new Date().toISOString();
    for (let first = 0; first < day.records.length; first += 1000) {
      const countsPage = day.records.slice(first, first + 1000).map((r) => ({ sku: r.sku, locationId: r.location, quantity: String(floor.booked(r.sku, r.location)), observedAt }));
      const added = await post("/invsync.inventory.v1.ReconciliationService/AddSnapshotCounts", { runId, counts: countsPage }, true);
      if (!added.ok) throw new Error(`AddSnapshotCounts failed: ${JSON.stringify(added.body)}`);
    }
    const completed = await post("/invsync.inventory.v1.ReconciliationService/CompleteSnapshot", { runId, expectedLines: String(day.records.length) }, true);
    if (!completed.ok) throw new Error(`CompleteSnapshot failed: ${JSON.stringify(completed.body)}`);

    const { rows: breakdown } = await db.query(`
      SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ev."timestamp" - (ev.cause->>'observedAt')::timestamptz) * 1000) AS observed_to_commit,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.acked_at - ev."timestamp") * 1000) AS commit_to_ack
      FROM inventory_events ev JOIN (SELECT unnest(event_ids) AS event_id, min(acked_at) AS acked_at FROM outbox_acknowledgements GROUP BY 1) a USING (event_id)
      WHERE ev.cause->>'kind' = 'wms_update' AND ev."timestamp" >= $1`, [new Date(realStart).toISOString()]);
    const scorecard = await post(
      "/invsync.migration.v1.MigrationService/GetScorecard",
      { from: new Date(realStart).toISOString(), to: new Date(dayEnd + 1000).toISOString() },
      true,
    );
    if (!scorecard.ok) throw new Error(`GetScorecard failed: ${JSON.stringify(scorecard.body)}`);

    await sleep(300);
    messages.stop();
    await reading.catch(() => undefined);

    const freshnessMs: number[] = [];
    const realFreshnessMs: number[] = [];
    for (const [key, event] of sentUpdates) {
      const at = stored.get(key);
      if (at === undefined) continue; // a stale count: no event
      // Real: observed (read off the floor) → stored by JetStream. Day time: the WMS's own delay (late, outage) in the
      // day's time, then the real time from its hand-over to the WMS's sender to JetStream (not compressed: a real lag).
      realFreshnessMs.push(Math.max(0, at - readAt.get(key)!));
      freshnessMs.push(event.deliverMs - event.observedMs + Math.max(0, at - deliveredAt.get(key)!));
    }
    const made = [...reservations.values()];
    const oversell = oversellOutcome(made, counts);
    const oversoldByHour = Array.from({ length: 24 }, () => 0);
    for (const r of made) if (oversell.oversoldIds.has(r.id)) oversoldByHour[Math.floor(r.madeSim / 3_600_000)]!++;
    const { oversoldIds: _ids, ...outcome } = oversell;
    return {
      freshnessMs,
      realFreshnessMs,
      oversell: outcome,
      refusedAtReservation,
      oversoldByHour,
      discrepancy,
      scorecard: scorecard.body,
      lagBreakdownMs: { observedToCommit: Number(breakdown[0]?.observed_to_commit ?? NaN), commitToAck: Number(breakdown[0]?.commit_to_ack ?? NaN) },
      compression,
      maxBehindSeconds: maxBehind,
      callsBehindP99Seconds: percentile(callsBehind, 0.99) ?? 0,
      calls: { wmsRequests, reservationCalls, failedCalls },
    };
  } finally {
    await nc.close().catch(() => undefined);
    await db.end().catch(() => undefined);
    await service.stop();
    if (process.env.EVALUATE_KEEP_DATABASE) options.log(`evaluate: kept the database ${database.url}`);
    else {
      await database.drop().catch(() => undefined);
      await stream.delete().catch(() => undefined);
    }
  }
}

interface Step {
  readonly at: number;
  readonly order: number;
  readonly run: () => void;
}

/** The day's steps by simulated time (then kind: observe, deliver, reserve, close), a binary heap. */
class StepQueue {
  private readonly heap: Step[] = [];
  private added = 0;
  private readonly rank = new WeakMap<Step, number>();

  get size(): number {
    return this.heap.length;
  }

  push(step: Step): void {
    this.rank.set(step, this.added++);
    const heap = this.heap;
    heap.push(step);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  peek(): Step | undefined {
    return this.heap[0];
  }

  pop(): Step | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }

  private before(a: Step, b: Step): boolean {
    return a.at !== b.at ? a.at < b.at : a.order !== b.order ? a.order < b.order : this.rank.get(a)! < this.rank.get(b)!;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

