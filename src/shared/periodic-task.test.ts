import assert from "node:assert/strict";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import { PeriodicTask } from "./periodic-task.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("PeriodicTask", () => {
  it("runs at once, then again and again, never two runs at a time, and stops after the run in progress", async () => {
    let runs = 0;
    let inFlight = 0;
    let overlapped = false;
    const task = new PeriodicTask("t", 1, async () => {
      inFlight++;
      overlapped ||= inFlight > 1;
      await pause(5);
      runs++;
      inFlight--;
    }, silentLogger);
    task.start();
    while (runs < 3) await pause(1);
    await task.stop();
    const stoppedAt = runs;
    await pause(20);
    assert.equal(overlapped, false);
    assert.equal(inFlight, 0, "stop waited for the run in progress");
    assert.equal(runs, stoppedAt, "no run after stop");
  });

  it("keeps going after a failure and logs a repeated failure once", async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_fields, message) => void warnings.push(message) };
    let runs = 0;
    const task = new PeriodicTask("t", 1, async () => {
      runs++;
      throw new Error("database down");
    }, logger);
    task.start();
    while (runs < 4) await pause(1);
    await task.stop();
    assert.deepEqual(warnings, ["background task failed; retrying at the next tick"]);
  });
});
