import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadConfig } from "../src/config/config.js";
import { START_NODE_FLAGS } from "./support/service-process.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** `docker compose` (the plugin) or `docker-compose` (Debian's package), whichever this machine has. */
function composeCommand(): string[] {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  throw new Error("neither `docker compose` nor `docker-compose` is installed (.ci/run installs Debian's docker-compose)");
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | null>;
  volumes?: Array<string | { source: string; target: string }>;
  healthcheck?: unknown;
  depends_on?: Record<string, unknown> | string[];
}

describe("contract: Dockerfile and compose.yaml (the real stack: replicas, PostgreSQL, a NATS cluster, Unleash, Prometheus, Grafana)", function () {
  this.timeout(60_000);
  let services: Record<string, ComposeService>;

  before(() => {
    const [command, ...args] = composeCommand();
    // `config` resolves and validates the file (anchors, interpolation, paths); it needs no Docker daemon.
    const text = execFileSync(command!, [...args, "-f", join(ROOT, "compose.yaml"), "config"], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    services = (parse(text) as { services: Record<string, ComposeService> }).services;
  });

  it("runs two replicas of the image, PostgreSQL, a 3-node NATS cluster, Unleash, Prometheus and Grafana", () => {
    assert.deepEqual(Object.keys(services).sort(), ["grafana", "inventory-sync-1", "inventory-sync-2", "nats-1", "nats-2", "nats-3", "postgres", "prometheus", "unleash"]);
    for (const name of ["inventory-sync-1", "inventory-sync-2"]) assert.ok(services[name]!.build, `${name} is built from the Dockerfile`);
  });

  it("configures each replica with settings the service accepts: a distinct REPLICA_ID, the cluster's servers, a stream of 3 replicas", () => {
    const ids = new Set<string>();
    for (const name of ["inventory-sync-1", "inventory-sync-2"]) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment ?? {}).map(([key, value]) => [key, value ?? ""]));
      const config = loadConfig(env); // throws a ConfigError naming any variable the service refuses
      ids.add(config.relayScale.replicaId);
      assert.equal(config.natsUrl.split(",").length, 3, "NATS_URL lists the three nodes");
      assert.equal(config.natsStreamReplicas, 3);
      assert.match(config.databaseUrl ?? "", /@postgres:5432\//);
      assert.ok(config.flags.unleash, "flags come from the Unleash service");
      assert.equal(config.relayScale.partitions, 16);
    }
    assert.equal(ids.size, 2, "each replica has its own REPLICA_ID");
  });

  it("mounts only files the repository has: the NATS nodes' configs (routed to each other), the shipped alert rules and dashboard", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0]! : volume.source;
        if (isAbsolute(source)) assert.ok(existsSync(source), `${name} mounts ${source}, which does not exist`);
      }
    }
    for (const n of [1, 2, 3]) {
      const conf = readFileSync(join(ROOT, `ops/compose/nats/nats-${n}.conf`), "utf8");
      assert.match(conf, new RegExp(`server_name: nats-${n}\\b`));
      assert.match(conf, /jetstream \{/);
      const routes = [...conf.matchAll(/nats-route:\/\/(nats-\d):6222/g)].map((m) => m[1]);
      assert.deepEqual(routes.sort(), [1, 2, 3].filter((m) => m !== n).map((m) => `nats-${m}`), `nats-${n} routes to the other two`);
      assert.ok(services[`nats-${n}`]!.volumes?.some((v) => (typeof v === "string" ? v.split(":")[0]! : v.source).endsWith(`ops/compose/nats/nats-${n}.conf`)));
    }
    const mounts = (name: string) => (services[name]!.volumes ?? []).map((v) => (typeof v === "string" ? v : `${v.source}:${v.target}`));
    assert.ok(mounts("prometheus").some((m) => m.includes("ops/prometheus/alerts.yml")), "Prometheus loads the shipped rules");
    const prometheus = parse(readFileSync(join(ROOT, "ops/compose/prometheus.yml"), "utf8")) as { rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    assert.deepEqual(prometheus.rule_files, ["/etc/prometheus/rules/alerts.yml"]);
    const job = prometheus.scrape_configs.find((c) => c.job_name === "inventory-sync");
    assert.ok(job, "the job the alert rules name (up{job=\"inventory-sync\"})");
    assert.deepEqual(job.static_configs.flatMap((c) => c.targets).sort(), ["inventory-sync-1:8080", "inventory-sync-2:8080"]);
    assert.ok(mounts("grafana").some((m) => m.includes("ops/grafana/inventory-sync.json")), "Grafana loads the shipped dashboard");
  });

  it("builds a multi-stage, non-root image with production dependencies only, a health check, and npm start's Node.js flags", () => {
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, "multi-stage");
    assert.match(dockerfile, /^RUN npm ci --omit=dev/m);
    assert.match(dockerfile, /^COPY --from=build \/app\/dist dist$/m);
    const user = /^USER (\S+)$/m.exec(dockerfile);
    assert.ok(user && user[1] !== "root" && user[1] !== "0", "runs as a user other than root");
    assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/healthz/m);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    assert.ok(cmd);
    assert.deepEqual(JSON.parse(cmd[1]!), ["node", ...START_NODE_FLAGS, "dist/src/cli.js", "serve"]);
  });
});
