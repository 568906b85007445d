import assert from "node:assert/strict";
import { ValidationError } from "../../shared/errors.js";
import { parseReserveStock, type ReserveStockInput } from "./reserve-request.js";

const limits = { defaultTtlMs: 900_000, maxTtlMs: 86_400_000 };
const good: ReserveStockInput = { sku: "SKU-1", locationId: "", quantity: 2, orderReference: "Order 17", idempotencyKey: "k-1", ttlMs: undefined };

function violations(input: Partial<ReserveStockInput>): string[] {
  try {
    parseReserveStock({ ...good, ...input }, limits);
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, "RESERVATION.INVALID_REQUEST");
    return error.violations.map((v) => `${v.field}: ${v.reason}`);
  }
  return [];
}

describe("parseReserveStock", () => {
  it("accepts a good request, applying the default time to live to an empty location (any)", () => {
    const command = parseReserveStock(good, limits);
    assert.deepEqual([command.locationId, command.ttlMs], [undefined, 900_000]);
  });

  it("names every bad field with its reason", () => {
    assert.deepEqual(violations({ sku: "", locationId: "a b", quantity: 0, orderReference: "", idempotencyKey: "with space", ttlMs: 10 }), [
      "sku: must not be empty",
      "location_id: may contain only letters, digits, '.', '_' and '-'",
      "quantity: must be a whole number from 1 to 1000000000, got 0",
      "order_reference: is required",
      "idempotency_key: may contain only visible ASCII characters (no spaces), for example a UUID",
      "ttl: must be from 1s to 86400s, got 0.01s",
    ]);
    assert.deepEqual(violations({ quantity: 1.5 }), ["quantity: must be a whole number from 1 to 1000000000, got 1.5"]);
    assert.deepEqual(violations({ orderReference: "bad\u0000ref" }), ["order_reference: must not contain control characters"]);
    assert.deepEqual(violations({ ttlMs: 86_400_001 }), ["ttl: must be from 1s to 86400s, got 86400.001s"]);
  });

  it("fingerprints the parameters as asked, so a retry matches and any other request does not", () => {
    const fingerprint = (input: Partial<ReserveStockInput>) => parseReserveStock({ ...good, ...input }, limits).fingerprint;
    assert.equal(fingerprint({}), fingerprint({ idempotencyKey: "other-key" }), "the key itself is not a parameter");
    const variants = [{ sku: "SKU-2" }, { locationId: "default" }, { quantity: 3 }, { orderReference: "Order 18" }, { ttlMs: 900_000 }];
    for (const variant of variants) assert.notEqual(fingerprint(variant), fingerprint({}), JSON.stringify(variant));
  });
});
