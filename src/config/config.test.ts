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

  it("takes a JetStream cluster's servers and stream replicas, and the replicas' relay settings, refusing a lease not longer than the heartbeat", () => {
    const defaults = loadConfig({});
    assert.equal(defaults.natsStreamReplicas, 1);
    assert.deepEqual({ ...defaults.relayScale, replicaId: "" }, { partitions: 16, heartbeatMs: 1000, leaseTtlMs: 5000, replicaId: "" });
    assert.match(defaults.relayScale.replicaId, /-\d+$/, "host name and process id");
    const cluster = loadConfig({ NATS_URL: "nats://n1:4222, nats://n2:4222,tls://n3:4222", NATS_STREAM_REPLICAS: "3", REPLICA_ID: "web-1", RELAY_PARTITIONS: "32" });
    assert.equal(cluster.natsUrl, "nats://n1:4222,nats://n2:4222,tls://n3:4222");
    assert.equal(cluster.natsStreamReplicas, 3);
    assert.equal(cluster.relayScale.replicaId, "web-1");
    assert.equal(cluster.relayScale.partitions, 32);
    assert.throws(
      () => loadConfig({ NATS_URL: "nats://n1:4222,http://u:secret@n2:4222", RELAY_HEARTBEAT_MS: "2000", RELAY_LEASE_TTL_MS: "2000", REPLICA_ID: "a b" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /NATS_URL: server 2 of 2 is not a URL starting with nats:\/\/ or tls:\/\//);
        assert.doesNotMatch(error.message, /secret/);
        assert.match(error.message, /RELAY_LEASE_TTL_MS=2000: must be longer than RELAY_HEARTBEAT_MS \(2000\)/);
        assert.match(error.message, /REPLICA_ID="a b"/);
        return true;
      },
    );
  });

  it("bounds concurrent WMS writes by default, and refuses a limit out of range", () => {
    assert.deepEqual(loadConfig({}).wmsIngress.writeLimits, { maxConcurrent: 2, maxBytes: 64 * 1024 * 1024, maxQueued: 16, maxWaitMs: 10_000, retryAfterSeconds: 1 });
    const env = { WMS_MAX_CONCURRENT_BATCHES: "4", WMS_MAX_INFLIGHT_BYTES: "2048", WMS_MAX_QUEUED_BATCHES: "0", WMS_MAX_QUEUE_WAIT_MS: "50", WMS_OVERLOAD_RETRY_AFTER_SECONDS: "5" };
    assert.deepEqual(loadConfig(env).wmsIngress.writeLimits, { maxConcurrent: 4, maxBytes: 2048, maxQueued: 0, maxWaitMs: 50, retryAfterSeconds: 5 });
    assert.throws(() => loadConfig({ WMS_MAX_CONCURRENT_BATCHES: "0" }), /WMS_MAX_CONCURRENT_BATCHES="0": must be a whole number from 1 to 256/);
  });

  it("routes every SKU to the new path on a developer's machine, and to legacy wherever DATABASE_URL is set", () => {
    assert.ok(loadConfig({}).flags.bootstrapFile.endsWith("flags/all-new.json"));
    assert.ok(loadConfig({ DATABASE_URL: "postgres://h/db" }).flags.bootstrapFile.endsWith("flags/all-legacy.json"));
    assert.equal(loadConfig({}).flags.unleash, undefined);
    const server = loadConfig({ UNLEASH_URL: "https://unleash.example/api", UNLEASH_API_TOKEN: "default:production.x" }).flags.unleash;
    assert.deepEqual([server?.url, server?.refreshIntervalMs, server?.timeoutMs], ["https://unleash.example/api", 15_000, 5000]);
  });

  it("refuses an Unleash URL without a token, and a timeout the client would reject", () => {
    assert.throws(() => loadConfig({ UNLEASH_URL: "http://u/api", UNLEASH_TIMEOUT_MS: "500" }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /UNLEASH_API_TOKEN: is required when UNLEASH_URL is set/);
      assert.match(error.message, /UNLEASH_TIMEOUT_MS="500": must be a whole number from 1000/);
      return true;
    });
  });
});
