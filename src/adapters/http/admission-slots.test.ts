import assert from "node:assert/strict";
import { AdmissionSlots } from "./admission-slots.js";

describe("AdmissionSlots", () => {
  it("lets `size` holders in at once and the next waiting one in as each leaves, in arrival order", async () => {
    const slots = new AdmissionSlots(2);
    const order: string[] = [];
    const first = await slots.acquire();
    const second = await slots.acquire();
    const third = slots.acquire().then((release) => (order.push("third"), release));
    const fourth = slots.acquire().then((release) => (order.push("fourth"), release));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [], "both wait while two slots are held");
    assert.equal(slots.queued, 2);
    first();
    first();
    await third;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ["third"], "a slot given back twice lets one waiter in, not two");
    second();
    (await fourth)();
    assert.deepEqual(order, ["third", "fourth"]);
    assert.equal(slots.queued, 0);
  });

  it("refuses a size that is not a positive integer", () => {
    assert.throws(() => new AdmissionSlots(0), RangeError);
  });
});
