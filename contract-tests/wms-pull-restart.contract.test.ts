import assert from "node:assert/strict";
import { FakeWms } from "./support/fake-wms.js";
import { invsync, onHand } from "./support/operator-calls.js";
import { startTestService, type TestService } from "./support/test-service.js";
import { waitFor } from "./support/wait-for.js";

describe("contract: the WMS pull cursor is durable across a restart", function () {
  this.timeout(60_000);
  let svc: TestService;
  let wms: FakeWms;
  const cursorOf = async (wmsId: string): Promise<string | undefined> =>
    (await invsync(svc, "ingestion", "status")).out.cursors.find((c: { wmsId: string }) => c.wmsId === wmsId)?.lastSequence;

  before(async () => {
    wms = await FakeWms.start();
    svc = await startTestService("wms_pull_restart", { WMS_PULL_URL: wms.url, WMS_PULL_WMS_IDS: "wms-cur", WMS_PULL_PAGE_SIZE: "2", WMS_PULL_INTERVAL_MS: "100" });
  });
  after(async () => {
    await svc?.stop();
    await wms?.close();
  });

  it("a service started on the same database pulls on from the stored cursor, not from the beginning", async () => {
    wms.addReceipts("wms-cur", "CUR-1", 1, 5);
    await waitFor("the cursor at 5", async () => (await cursorOf("wms-cur")) === "5");
    assert.equal(await onHand(svc, "CUR-1"), "5");

    svc = await svc.restart(); // the old service is stopped before the new one starts
    const asked = wms.requests.length; // from here on, only the new service's pulls
    wms.addReceipts("wms-cur", "CUR-1", 6, 7);
    await waitFor("the cursor at 7", async () => (await cursorOf("wms-cur")) === "7");
    assert.equal(await onHand(svc, "CUR-1"), "7");
    const after = wms.requests.slice(asked).map((u) => BigInt(u.searchParams.get("after_sequence")!));
    assert.ok(after.length > 0 && after.every((a) => a >= 5n), `after the restart the WMS was asked only past 5, got after_sequence ${after.join(", ")}`);
    assert.ok(after.includes(5n), "the new service asks from the stored cursor (6 and 7 were only there to be pulled after it started)");
  });
});
