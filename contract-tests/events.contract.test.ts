import assert from "node:assert/strict";
import { EventSource, EventType } from "../gen/invsync/events/v1/inventory_event_pb.js";
import { readEvents } from "./support/event-reader.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";

async function waitForEmptyOutbox(svc: TestService, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = (await (await fetch(`${svc.baseUrl}/readyz`)).json()) as { outbox: { backlog: number } };
    if (ready.outbox.backlog === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("outbox did not drain");
}

describe("contract: events on JetStream", function () {
  let svc: TestService;

  before(async () => {
    svc = await startTestService("events");
  });
  after(async () => svc?.stop());

  it("publishes each accepted update once, protobuf-encoded, with msg id = event_id, in order per SKU", async () => {
    const observedAt = new Date(Date.now() - 2000).toISOString();
    const updates = [
      wmsUpdate("EV.1", 1, 10, { observedAt, status: "RECEIVED" }),
      wmsUpdate("EV.1", 2, 7, { observedAt, status: "SHIPPED" }),
      wmsUpdate("EV-2", 3, 5, { observedAt, locationId: "DC-9" }),
      ...Array.from({ length: 200 }, (_, i) => wmsUpdate(`EV-HOT-${i % 5}`, 100 + i, i, { observedAt })),
    ];
    const first = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("ev-1", updates));
    const resend = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("ev-1", updates));
    assert.equal(first.body.accepted, 203);
    assert.equal(resend.body.duplicate, 203);
    await waitForEmptyOutbox(svc);

    const received = await readEvents(svc.config.natsUrl, svc.stream.stream, 203);
    assert.equal(received.length, 203, "every accepted update is published exactly once, resend included");
    const ids = new Set(received.map((r) => r.event.eventId));
    assert.equal(ids.size, 203);
    for (const { headers, event } of received) {
      assert.equal(headers["Nats-Msg-Id"], event.eventId);
      assert.equal(headers["Content-Type"], "application/protobuf");
      assert.equal(headers["Invsync-Message"], "invsync.events.v1.InventoryEvent");
      assert.equal(headers["Invsync-Event-Type"], "StockCounted");
    }

    const ev1 = received.filter((r) => r.event.sku === "EV.1");
    assert.deepEqual(ev1.map((r) => r.subject), [`${svc.stream.subjectPrefix}.v1.stock_counted.EV~2E1`, `${svc.stream.subjectPrefix}.v1.stock_counted.EV~2E1`]);
    const [received10, shipped7] = ev1.map((r) => r.event);
    assert.equal(received10?.type, EventType.STOCK_COUNTED);
    assert.equal(received10?.source, EventSource.WMS);
    assert.deepEqual([received10?.delta, received10?.before?.onHand, received10?.after?.onHand], [10n, 0n, 10n]);
    assert.deepEqual([shipped7?.delta, shipped7?.before?.onHand, shipped7?.after?.onHand, shipped7?.version], [-3n, 10n, 7n, 2n]);
    const cause = shipped7?.cause?.kind;
    assert.equal(cause?.case, "wmsUpdate");
    assert.deepEqual(
      cause?.case === "wmsUpdate" ? [cause.value.wmsId, cause.value.sequence, cause.value.batchId, cause.value.schemaVersion, cause.value.status] : [],
      ["wms-a", 2n, "ev-1", "wms.v1", "SHIPPED"],
    );
    assert.equal(received.find((r) => r.event.sku === "EV-2")?.event.locationId, "DC-9");

    for (let s = 0; s < 5; s++) {
      const versions = received.filter((r) => r.event.sku === `EV-HOT-${s}`).map((r) => Number(r.event.version));
      assert.deepEqual(versions, versions.map((_, i) => i + 1), `EV-HOT-${s} arrives in version order`);
    }
  });

  it("lets a consumer filter by SKU, or by type, with subject wildcards", async () => {
    const prefix = svc.stream.subjectPrefix;
    const bySku = await readEvents(svc.config.natsUrl, svc.stream.stream, 2, { filterSubject: `${prefix}.v1.*.EV~2E1`, graceMs: 300 });
    assert.deepEqual(bySku.map((r) => Number(r.event.version)), [1, 2]);
    const byType = await readEvents(svc.config.natsUrl, svc.stream.stream, 203, { filterSubject: `${prefix}.v1.stock_counted.>`, graceMs: 300 });
    assert.equal(byType.length, 203);
  });
});
