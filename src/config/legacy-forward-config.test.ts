import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

describe("legacy forwarding configuration", () => {
  it("is off without LEGACY_FORWARD_URL (legacy reads the feed table), even with its other variables set", () => {
    assert.equal(loadConfig({}).legacyForward, undefined);
    assert.equal(loadConfig({ LEGACY_FORWARD_BATCH_SIZE: "10" }).legacyForward, undefined);
  });

  it("has defaults: 500 rows per POST, polled every second, 5 attempts of 10 s, no auth header", () => {
    assert.deepEqual(loadConfig({ LEGACY_FORWARD_URL: "https://legacy.example/feed" }).legacyForward, {
      url: "https://legacy.example/feed",
      authHeader: undefined,
      batchSize: 500,
      pollMs: 1000,
      maxAttempts: 5,
      timeoutMs: 10_000,
    });
  });

  it("reads every setting, the auth header as Name: value", () => {
    const config = loadConfig({
      LEGACY_FORWARD_URL: "http://legacy:9000/inventory-feed",
      LEGACY_FORWARD_AUTH_HEADER: "X-Api-Key: k3y:with:colons",
      LEGACY_FORWARD_BATCH_SIZE: "50",
      LEGACY_FORWARD_POLL_MS: "250",
      LEGACY_FORWARD_MAX_ATTEMPTS: "1",
      LEGACY_FORWARD_TIMEOUT_MS: "2000",
    }).legacyForward;
    assert.deepEqual(config, { url: "http://legacy:9000/inventory-feed", authHeader: ["x-api-key", "k3y:with:colons"], batchSize: 50, pollMs: 250, maxAttempts: 1, timeoutMs: 2000 });
  });

  it("refuses bad values, each named, without echoing the auth header's value", () => {
    assert.throws(
      () =>
        loadConfig({
          LEGACY_FORWARD_URL: "ftp://legacy/feed",
          LEGACY_FORWARD_AUTH_HEADER: "Bearer s3cret-token",
          LEGACY_FORWARD_BATCH_SIZE: "0",
          LEGACY_FORWARD_MAX_ATTEMPTS: "many",
          LEGACY_FORWARD_TIMEOUT_MS: "50",
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          "LEGACY_FORWARD_URL: must be a URL starting with http:// or https://",
          'LEGACY_FORWARD_AUTH_HEADER: must be "<Header-Name>: <value>", for example "Authorization: Bearer <token>"',
          'LEGACY_FORWARD_BATCH_SIZE="0": must be a whole number from 1 to 10000',
          'LEGACY_FORWARD_MAX_ATTEMPTS="many": must be a whole number from 1 to 20',
          'LEGACY_FORWARD_TIMEOUT_MS="50": must be a whole number from 100 to 300000',
        ]);
        assert.doesNotMatch(error.message, /s3cret/);
        return true;
      },
    );
  });
});
