import assert from "node:assert/strict";
import { readEvents } from "./support/event-reader.js";
import { PrivateNats } from "./support/private-nats.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { getJson, postJson, syncBatch, wmsUpdate } from "./support/wms-fixtures.js";
import { waitFor } from "./support/wait-for.js";

interface Readiness {
  status: string;
  nats: { connected: boolean };
  outbox: { backlog: number };
}

async function readiness(svc: TestService): Promise<{ status: number; body: Readiness }> {
  return getJson(`${svc.baseUrl}/readyz`);
}

describe("contract: NATS outage", function () {
  this.timeout(60_000);
  let nats: PrivateNats;
  let svc: TestService;

  before(async () => {
    nats = await PrivateNats.start();
    svc = await startTestService("nats_outage", { NATS_URL: nats.url });
  });
  after(async () => {
    await svc?.stop();
    await nats?.destroy();
  });

  it("keeps accepting updates while NATS is down, says so on /readyz, and publishes everything once NATS is back", async () => {
    const before = await postJson(`${svc.baseUrl}/inventory/sync`, syncBatch("before", [1, 2, 3].map((i) => wmsUpdate(`OUT-${i}`, i, i))));
    assert.equal(before.body.accepted, 3);
    await waitFor("the first events to be published", async () => (await readiness(svc)).body.outbox.backlog === 0);

    await nats.stop();
    await waitFor("the service to notice NATS is down", async () => (await readiness(svc)).body.nats.connected === false);

    const during = await postJson(
      `${svc.baseUrl}/inventory/sync`,
      syncBatch("during", Array.from({ length: 50 }, (_, i) => wmsUpdate(`OUT-${i % 4}`, 10 + i, 100 + i))),
    );
    assert.equal(during.status, 200);
    assert.equal(during.body.accepted, 50, "updates are accepted while the bus is down");
    const down = await readiness(svc);
    assert.equal(down.status, 200, "still ready: writes are accepted, events wait in the outbox");
    assert.equal(down.body.outbox.backlog, 50);
    assert.equal((await getJson(`${svc.baseUrl}/inventory/OUT-1`)).body.stock.onHand, "149", "the newest count (i = 49) stands");

    await nats.start();
    await waitFor("the backlog to drain after NATS returns", async () => (await readiness(svc)).body.outbox.backlog === 0);

    const received = await readEvents(nats.url, svc.stream.stream, 53);
    assert.equal(received.length, 53, "nothing lost, nothing duplicated");
    assert.equal(new Set(received.map((r) => r.event.eventId)).size, 53);
    for (let s = 0; s < 4; s++) {
      const versions = received.filter((r) => r.event.sku === `OUT-${s}`).map((r) => Number(r.event.version));
      assert.deepEqual(versions, versions.map((_, i) => i + 1), `OUT-${s} in order`);
    }
  });
});
