import assert from "node:assert/strict";
import fc from "fast-check";
import { allEventsSubject, eventSubject, skuToken, typeToken } from "./subjects.js";

describe("event subjects", () => {
  it("spell the version, the type and the SKU", () => {
    assert.equal(eventSubject("inventory", "StockCounted", "SKU-1"), "inventory.v1.stock_counted.SKU-1");
    assert.equal(allEventsSubject("inventory"), "inventory.v1.>");
    assert.equal(typeToken("StockCounted"), "stock_counted");
  });

  it("encode '.' so a SKU is always exactly one subject token", () => {
    assert.equal(skuToken("A.B"), "A~2EB");
  });

  it("map distinct SKUs to distinct, subject-safe tokens", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), (a, b) => {
        assert.match(skuToken(a), /^[A-Za-z0-9_~-]+$/);
        assert.equal(skuToken(a) === skuToken(b), a === b);
      }),
    );
  });
});
