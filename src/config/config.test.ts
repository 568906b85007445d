import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

describe("configuration", () => {
  it("has a default for everything, so a fresh machine starts on the embedded database", () => {
    const config = loadConfig({});
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.natsUrl, "nats://127.0.0.1:4222");
    assert.equal(config.gatewayPort, 8080);
    assert.equal(config.grpcPort, 50051);
    assert.equal(config.natsStream, "INVENTORY");
    assert.equal(config.logLevel, "info");
    assert.ok(config.dataDir.endsWith(".data/pglite"));
  });

  it("reads typed values", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u@h:5432/db", GATEWAY_PORT: "9000", LOG_LEVEL: "debug" });
    assert.equal(config.databaseUrl, "postgres://u@h:5432/db");
    assert.equal(config.gatewayPort, 9000);
    assert.equal(config.logLevel, "debug");
  });

  it("reports every invalid variable at once, by name and rule, without echoing secrets", () => {
    assert.throws(
      () => loadConfig({ GATEWAY_PORT: "http", GRPC_PORT: "70000", LOG_LEVEL: "loud", DATABASE_URL: "mysql://u:hunter2@h/db" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 4);
        assert.match(error.message, /GATEWAY_PORT="http": must be a whole number from 0 to 65535/);
        assert.match(error.message, /GRPC_PORT="70000"/);
        assert.match(error.message, /LOG_LEVEL="loud": must be one of fatal, error/);
        assert.match(error.message, /DATABASE_URL: must be a URL starting with postgres:\/\//);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
  });
});
