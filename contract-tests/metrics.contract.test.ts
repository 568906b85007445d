import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { readEvents } from "./support/event-reader.js";
import { scrape, valueOf, type Samples } from "./support/prometheus-text.js";
import { connectJson } from "./support/reservation-calls.js";
import { freePort } from "./support/private-nats.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

const V1 = 'schema_version="wms.v1"';
/** The `invsync_*` metric families named in `text` (histogram series reduced to their family). */
function metricFamiliesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\binvsync_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, "")));
}

describe("contract: /metrics moves with a small load", function () {
  this.timeout(60_000);
  let svc: TestService;
  let baseline: Samples;
  let loaded: Samples;
  const moved = (series: string) => valueOf(loaded, series) - valueOf(baseline, series);

  before(async () => {
    svc = await startTestService("metrics", { MAX_BATCH_UPDATES: "5", METRICS_MAX_WMS_IDS: "2" });
    baseline = await scrape(svc.baseUrl);
    const sync = (body: unknown) => postJson(`${svc.baseUrl}/inventory/sync`, body);
    const good = syncBatch("m-1", [wmsUpdate("M-SKU-1", 20, 10), wmsUpdate("M-SKU-2", 21, 4), wmsUpdate("M-SKU-3", 22, 1.5)]);
    assert.equal((await sync(good)).body.accepted, 2);
    assert.equal((await sync(good)).body.duplicate, 2, "the same batch again: duplicates");
    assert.equal((await sync(syncBatch("m-2", [wmsUpdate("M-SKU-1", 19, 7)]))).body.stale, 1, "an older sequence of a SKU: stale");
    assert.equal((await sync(syncBatch("m-3", [1, 2, 3, 4, 5, 6].map((i) => wmsUpdate(`M-BIG-${i}`, 10 + i, 1))))).status, 400, "over MAX_BATCH_UPDATES: failed");
    const sources = ["wms-b", "wms-c", "wms-d"].map((wmsId, i) => wmsUpdate(`M-SRC-${i}`, 1, 1, { wmsId }));
    assert.equal((await sync(syncBatch("m-4", sources))).body.accepted, 3);
    const v2 = (seqNo: string, movement: object) => ({ sourceSystem: "wms-b", seqNo, itemCode: "M-V2-1", site: "DC-1", eventTime: new Date().toISOString(), movement });
    const v2Batch = { batchRef: "m-v2", records: [v2("10", { movementType: "MOVEMENT_TYPE_RECEIPT", delta: "3" }), v2("11", { movementType: "MOVEMENT_TYPE_PICK", delta: "-9" })] };
    const v2Answer = await postJson(`${svc.baseUrl}/invsync.wms.v2.WmsSyncService/SyncStock`, v2Batch);
    assert.deepEqual([v2Answer.body.applied, v2Answer.body.rejected], [1, 1], "a pick below zero is refused by the domain");
    assert.equal((await connectJson(svc.baseUrl, "ReserveStock", { sku: "M-SKU-1", quantity: 2, orderReference: "O-M", idempotencyKey: "m-res-1" })).ok, true);
    // A deleted stream makes the next publishes fail ("no responders") until the publisher recreates it.
    await waitFor("the outbox to drain", async () => valueOf(await scrape(svc.baseUrl), "invsync_outbox_backlog") === 0);
    await deleteStream(svc);
    assert.equal((await sync(syncBatch("m-5", [wmsUpdate("M-SKU-5", 50, 3)]))).body.accepted, 1);
    await waitFor("the relay to fail, recreate the stream and drain", async () => {
      const samples = await scrape(svc.baseUrl);
      return valueOf(samples, "invsync_outbox_backlog") === 0 && valueOf(samples, "invsync_relay_publish_errors_total") > 0;
    });
    loaded = await scrape(svc.baseUrl);
  });
  after(async () => {
    await svc?.stop();
  });

  it("counts updates received and by outcome per WMS source and schema version, and batches applied and failed", () => {
    assert.equal(moved(`invsync_wms_updates_received_total{wms_id="wms-a",${V1}}`), 3 + 3 + 1 + 6 + 1);
    assert.equal(moved(`invsync_wms_updates_total{wms_id="wms-a",${V1},outcome="accepted"}`), 3);
    assert.equal(moved(`invsync_wms_updates_total{wms_id="wms-a",${V1},outcome="duplicate"}`), 2);
    assert.equal(moved(`invsync_wms_updates_total{wms_id="wms-a",${V1},outcome="stale"}`), 1);
    assert.equal(moved(`invsync_wms_updates_total{wms_id="wms-a",${V1},outcome="rejected"}`), 2);
    assert.equal(moved(`invsync_wms_updates_total{wms_id="wms-a",${V1},outcome="failed"}`), 6);
    assert.equal(moved(`invsync_wms_batches_total{${V1},outcome="applied"}`), 5);
    assert.equal(moved(`invsync_wms_batches_total{${V1},outcome="failed"}`), 1);
  });

  it("counts a movement the domain refused as rejected, under its schema version", () => {
    assert.equal(moved('invsync_wms_updates_total{wms_id="wms-b",schema_version="wms.v2",outcome="accepted"}'), 1);
    assert.equal(moved('invsync_wms_updates_total{wms_id="wms-b",schema_version="wms.v2",outcome="rejected"}'), 1);
    assert.equal(moved('invsync_wms_updates_received_total{wms_id="wms-b",schema_version="wms.v2"}'), 2);
  });

  it("keeps the wms_id label bounded: sources past METRICS_MAX_WMS_IDS count as 'other'", () => {
    assert.equal(moved(`invsync_wms_updates_total{wms_id="wms-b",${V1},outcome="accepted"}`), 1);
    assert.equal(moved(`invsync_wms_updates_total{wms_id="other",${V1},outcome="accepted"}`), 2);
    assert.equal([...loaded.keys()].filter((series) => /wms-[cd]/.test(series)).length, 0);
  });

  it("has batch size and duration histograms, and the freshness lag of published events", () => {
    assert.equal(moved("invsync_wms_batch_size_count"), 6, "every applied batch, v1 and v2");
    assert.equal(moved(`invsync_wms_batch_duration_seconds_count{${V1}}`), 6);
    assert.ok(moved(`invsync_wms_batch_duration_seconds_sum{${V1}}`) > 0);
    assert.ok(moved("invsync_events_published_total") >= 8, "6 counts, a receipt and a reservation at least");
    assert.ok(moved("invsync_freshness_lag_seconds_count") >= 6);
    assert.ok(moved('invsync_freshness_lag_seconds_bucket{le="+Inf"}') >= 6);
  });

  it("counts relay publish errors and failed rounds, and reads the outbox and dependencies at scrape time", () => {
    assert.ok(moved("invsync_relay_publish_errors_total") >= 1);
    assert.ok(moved("invsync_relay_failures_total") >= 1);
    assert.equal(valueOf(loaded, "invsync_outbox_backlog"), 0);
    assert.equal(valueOf(loaded, "invsync_outbox_oldest_age_seconds"), 0);
    assert.equal(valueOf(loaded, 'invsync_dependency_up{dependency="database"}'), 1);
    assert.equal(valueOf(loaded, 'invsync_dependency_up{dependency="nats"}'), 1);
  });

  it("counts reservation outcomes and routing paths", () => {
    assert.equal(moved('invsync_reservation_requests_total{outcome="reserved"}'), 1);
    assert.equal(moved('invsync_routed_updates_total{path="new"}'), 2 + 1 + 3 + 2 + 1, "valid updates that were not duplicates");
  });

  it("never labels a series with a SKU", () => {
    assert.deepEqual([...loaded.keys()].filter((series) => series.includes("M-")), []);
  });

  it("exports every metric the alert rules and the Grafana dashboard use", async () => {
    const exported = metricFamiliesIn((await (await fetch(`${svc.baseUrl}/metrics`)).text()).split("\n").filter((l) => l.startsWith("# TYPE")).join("\n"));
    const dashboard = JSON.parse(readFileSync("ops/grafana/inventory-sync.json", "utf8")) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr);
    assert.ok(exprs.length > 20);
    for (const [source, text] of [["dashboard", exprs.join("\n")], ["alerts.yml", readFileSync("ops/prometheus/alerts.yml", "utf8")]] as const) {
      const unknown = [...metricFamiliesIn(text)].filter((name) => !exported.has(name));
      assert.deepEqual(unknown, [], `${source} names metrics the service does not export`);
    }
  });

  it("publishes no traceparent header while tracing is off", async () => {
    const [event] = await readEvents(svc.config.natsUrl, svc.config.natsStream, 1, { graceMs: 0 });
    assert.ok(event);
    assert.equal(event.headers.traceparent, undefined);
  });
});

describe("contract: /metrics while NATS cannot be reached", function () {
  this.timeout(60_000);
  let svc: TestService;

  before(async () => {
    svc = await startTestService("metrics-nonats", { NATS_URL: `nats://127.0.0.1:${await freePort()}` });
  });
  after(async () => {
    await svc?.stop();
  });

  it("shows the backlog, its age and NATS down, read from the outbox at scrape time", async () => {
    assert.equal((await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("nn-1", [wmsUpdate("NN-1", 1, 2), wmsUpdate("NN-2", 2, 3)]))).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const samples = await scrape(svc.baseUrl);
    assert.equal(valueOf(samples, "invsync_outbox_backlog"), 2);
    assert.ok(valueOf(samples, "invsync_outbox_oldest_age_seconds") >= 1);
    assert.equal(valueOf(samples, 'invsync_dependency_up{dependency="nats"}'), 0);
    assert.equal(valueOf(samples, 'invsync_dependency_up{dependency="database"}'), 1);
  });
});

async function deleteStream(svc: TestService): Promise<void> {
  const nc = await connect({ servers: svc.config.natsUrl, timeout: 2000 });
  try {
    await (await jetstreamManager(nc)).streams.delete(svc.config.natsStream);
  } finally {
    await nc.close();
  }
}
