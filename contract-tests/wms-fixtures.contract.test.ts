import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestService, type TestService } from "./support/test-service.js";
import { getJson, postJson } from "./support/wms-fixtures.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const PATHS: Record<string, string> = {
  "wms-v1": "/invsync.wms.v1.WmsSyncService/SyncInventory",
  "wms-v2": "/invsync.wms.v2.WmsSyncService/SyncStock",
};

interface Fixture {
  description: string;
  request: unknown;
  status: number;
  response: Record<string, unknown>;
  stock: Record<string, null | { onHand: string; damaged: string; qualityHold: string; locations: Record<string, string> }>;
}

/** The expected answer shape: rejections are pinned by index, field and code (reasons are words and may improve). */
function comparable(body: Record<string, unknown>, expected: Record<string, unknown>): Record<string, unknown> {
  const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, body[key]]));
  if (Array.isArray(picked.rejections)) {
    picked.rejections = (picked.rejections as Array<Record<string, unknown>>).map(({ index, field, code, reason }) => {
      assert.ok(typeof reason === "string" && reason.length > 5, `a reason in words for ${String(field)}`);
      return { index, field, code };
    });
  }
  return picked;
}

describe("contract: pinned WMS fixtures per schema version (good, edge and bad cases)", function () {
  let svc: TestService;

  before(async () => {
    svc = await startTestService("wms_fixtures");
  });
  after(async () => svc?.stop());

  for (const version of Object.keys(PATHS)) {
    for (const file of readdirSync(join(FIXTURES, version)).filter((f) => f.endsWith(".json")).sort()) {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, version, file), "utf8")) as Fixture;
      it(`${version}/${file}: ${fixture.description}`, async () => {
        const res = await postJson(`${svc.baseUrl}${PATHS[version]}`, fixture.request);
        assert.equal(res.status, fixture.status, JSON.stringify(res.body));
        assert.deepEqual(comparable(res.body, fixture.response), fixture.response);
        for (const [sku, expected] of Object.entries(fixture.stock)) {
          const stock = await getJson(`${svc.baseUrl}/inventory/${sku}`);
          if (expected === null) {
            assert.equal(stock.status, 404, `${sku} must not exist`);
            continue;
          }
          const { onHand, damaged, qualityHold, locations } = stock.body.stock;
          const byLocation = Object.fromEntries((locations as Array<{ locationId: string; onHand: string }>).map((l) => [l.locationId, l.onHand]));
          assert.deepEqual({ onHand, damaged, qualityHold, locations: byLocation }, expected, sku);
        }
      });
    }
  }
});
