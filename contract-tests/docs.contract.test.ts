import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { COHORT_USAGE } from "../src/adapters/cli/cohort-command.js";
import { GATES_USAGE } from "../src/adapters/cli/gates-command.js";
import { EVENTS_USAGE } from "../src/adapters/cli/events-command.js";
import { OPERATION_COMMANDS, OPERATIONS_USAGE } from "../src/adapters/cli/operations-cli.js";
import { RECONCILE_COMMANDS, RECONCILE_USAGE } from "../src/adapters/cli/reconcile-cli.js";
import { openDatabase, type Database } from "../src/adapters/persistence/database.js";
import { loadConfig } from "../src/config/config.js";
import { loadEventStreamConfig } from "../src/config/event-stream-config.js";
import { loadOperatorConfig } from "../src/config/operator-config.js";
import { silentLogger } from "../src/shared/logger.js";
import { createTestDatabase, type TestDatabase } from "./support/test-servers.js";

/** The README and every reference in docs/, by path. */
const DOCS = new Map(["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)].map((path) => [path, readFileSync(path, "utf8")]));

/** The bodies of a doc's fenced blocks of `language`. */
function fenced(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

/** A doc's text outside fenced blocks (links and headings live there). */
function prose(text: string): string {
  return text.replace(/```[\s\S]*?```/g, "");
}

/** The anchor GitHub gives a heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor of a markdown text's headings. */
function anchorsOf(text: string): Set<string> {
  return new Set([...prose(text).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

/** Every SQL statement of a doc: ```sql blocks and `psql … -c "…"` commands, transaction control left out. */
function sqlStatements(text: string): string[] {
  const fromBlocks = fenced(text, "sql").flatMap((block) => block.split(/;\s*\n/));
  const fromPsql = [...text.matchAll(/psql "\$DATABASE_URL" -c "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\"/g, '"'));
  const inline = [...text.matchAll(/`(SELECT [^`]+;)`/g)].map((m) => m[1]!);
  return [...fromBlocks, ...fromPsql, ...inline]
    .map((statement) => statement.trim().replace(/;$/, ""))
    .filter((statement) => statement !== "" && !/^(BEGIN|COMMIT)$/i.test(statement));
}

/** Every environment variable the configuration code reads, found by watching it read. */
function variablesRead(): Set<string> {
  const seen = new Set<string>();
  const watched = (env: Record<string, string>) =>
    new Proxy(env, {
      get(target, name) {
        if (typeof name === "string") seen.add(name);
        return target[name as string];
      },
    });
  // Once bare, once with every optional feature on, so variables read only when one is set count too.
  const everything = {
    DATABASE_URL: "postgres://127.0.0.1/x",
    UNLEASH_URL: "http://127.0.0.1/api",
    UNLEASH_API_TOKEN: "token",
    LEGACY_FORWARD_URL: "http://127.0.0.1/feed",
    WMS_PULL_URL: "http://127.0.0.1/pull",
    WMS_DROP_DIR: "/tmp",
    WMS_SNAPSHOT_URL: "http://127.0.0.1/snapshot",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
  };
  for (const env of [{}, everything]) {
    loadConfig(watched({ ...env }));
    loadOperatorConfig(watched({ ...env }));
    loadEventStreamConfig(watched({ ...env }));
  }
  return seen;
}

/** The rows of the table between `<!-- bench-figures:begin` and `:end -->` in `text`, as figure → value. */
function benchFigures(text: string): Map<string, string> {
  const block = /<!-- bench-figures:begin[^\n]*\n([\s\S]*?)<!-- bench-figures:end -->/.exec(text);
  assert.ok(block, "a bench-figures block");
  const rows = block[1]!.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| Figure") && !line.startsWith("|---"));
  return new Map(rows.map((row) => row.split("|").map((cell) => cell.trim())).map((cells) => [cells[1]!, cells[2]!]));
}

const n = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });

/** How each benchmark figure the docs show is written from `bench/results/latest-full.json`. */
function expectedFigures(run: any): Map<string, string> {
  const s = run.saturation;
  const p = run.paced;
  const cpu = s.cpuMicrosPerUpdate;
  const threads = s.serviceCpuMicrosPerUpdate;
  return new Map([
    ["committed updates/s at saturation", n(s.committedUpdatesPerSecond)],
    ["end-to-end updates/s (read back from the stream)", n(s.endToEndUpdatesPerSecond)],
    ["end-to-end ÷ bare publish (" + n(run.limits.barePublishMessagesPerSecond) + " msg/s)", n(run.limits.endToEndToBarePublish, 2)],
    ["request → commit p50 / p99 at saturation", `${n(s.latencyMs.p50)} / ${n(s.latencyMs.p99)} ms`],
    ["commit → JetStream ack p50 / p99 at saturation", `${n(s.commitToAckMs.p50)} / ${n(s.commitToAckMs.p99)} ms`],
    [`commit → JetStream ack p99 at ${n(run.settings.pacedRate)} updates/s`, `${n(p.commitToAckMs.p99)} ms`],
    [`freshness median (WMS \`observed_at\` → ack) at ${n(run.settings.pacedRate)} updates/s`, `${n(p.freshnessMs.p50)} ms`],
    ["freshness median / p99 at saturation", `${n(s.freshnessMs.p50)} / ${n(s.freshnessMs.p99)} ms`],
    ["service peak RSS", `${n(run.service.peakRssMiB)} MiB`],
    ["CPU µs per update: service / PostgreSQL / NATS / load", [cpu.service, cpu.postgres, cpu.nats, cpu.loadGenerator].map((v: number) => n(v, 1)).join(" / ")],
    ["service µs per update: event loop / other threads; GC pauses minor / major", `${n(threads.mainThread, 1)} / ${n(threads.otherThreads, 1)}; ${n(threads.gcPauseMinor, 1)} / ${n(threads.gcPauseMajor, 1)}`],
    ["machine CPU busy / idle / steal at saturation", `${n(s.machineCpuShare.busy, 1)} / ${n(s.machineCpuShare.idle, 1)} / ${n(s.machineCpuShare.steal, 1)} %`],
    ["÷ naive peer (one statement and one awaited publish per update)", `${n(run.naivePeer.serviceRatio, 1)}×`],
  ]);
}

describe("contract: the docs say what the code does", function () {
  this.timeout(60_000);

  it("every relative link and anchor resolves", () => {
    const broken: string[] = [];
    for (const [path, text] of DOCS) {
      for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split("#");
        const resolved = file ? normalize(join(dirname(path), file)) : path;
        if (!existsSync(resolved)) broken.push(`${path}: ${target} (no ${resolved})`);
        else if (anchor && resolved.endsWith(".md") && !anchorsOf(readFileSync(resolved, "utf8")).has(anchor)) broken.push(`${path}: ${target} (no heading #${anchor})`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("every file and folder of the repository it names exists", () => {
    const missing: string[] = [];
    for (const [path, text] of DOCS) {
      for (const [, named] of text.matchAll(/`((?:src|contract-tests|fault-tests|bench|ops|scripts|examples|flags|proto|gen|docs|packages)\/[^`\s]*)`/g)) {
        if (/[…<>*{}]|\.\.\.|NN/.test(named!)) continue; // a pattern, not a path
        const file = named!.replace(/[:#].*$/, "");
        if (!existsSync(file)) missing.push(`${path}: ${named}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("every invsync command and option named exists", () => {
    const known = [...OPERATION_COMMANDS, ...RECONCILE_COMMANDS, "cohort", "events", "gates", "help", "serve", "migrate"];
    const usages = [OPERATIONS_USAGE, COHORT_USAGE, RECONCILE_USAGE, EVENTS_USAGE, GATES_USAGE];
    let found = 0;
    for (const [path, text] of DOCS) {
      for (const [, command, rest] of text.matchAll(/(?:^|[`;(]\s*|\n\s*|invsync -- )invsync ([a-z]+)([^\n`|#]*)/g)) {
        found++;
        assert.ok(known.includes(command!), `${path}: unknown command invsync ${command}`);
        for (const [option] of rest!.matchAll(/--[a-z-]+/g)) {
          const named = new RegExp(`${option}(?![\\w-])`);
          assert.ok(usages.some((usage) => named.test(usage)), `${path}: invsync ${command}: unknown option ${option}`);
        }
      }
    }
    assert.ok(found >= 30, `found ${found} commands`);
  });

  it("docs/configuration.md has a row for exactly the variables the configuration code reads", () => {
    const rows = new Set([...DOCS.get("docs/configuration.md")!.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!));
    const read = [...variablesRead()].filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
    assert.deepEqual(read.filter((name) => !rows.has(name)).sort(), [], "read by src/config/ but without a row");
    assert.deepEqual([...rows].filter((name) => !read.includes(name)).sort(), [], "a row for a variable nothing reads");
  });

  it("the benchmark figures of the README and docs/performance.md are the latest full run's", () => {
    const expected = expectedFigures(JSON.parse(readFileSync("bench/results/latest-full.json", "utf8")));
    for (const path of ["README.md", "docs/performance.md"]) {
      const shown = benchFigures(DOCS.get(path)!);
      assert.ok(shown.size >= 5, `${path}: ${shown.size} figures`);
      for (const [figure, value] of shown) {
        assert.ok(expected.has(figure), `${path}: no rule for the figure "${figure}"`);
        assert.equal(value, expected.get(figure), `${path}: ${figure}`);
      }
    }
  });

  it("every alert links to a section of docs/operations.md", () => {
    const anchors = anchorsOf(DOCS.get("docs/operations.md")!);
    const alerts = readFileSync("ops/prometheus/alerts.yml", "utf8");
    const links = [...alerts.matchAll(/runbook: docs\/operations\.md#([\w-]+)/g)].map((m) => m[1]!);
    assert.equal(links.length, [...alerts.matchAll(/- alert: /g)].length, "every alert links to the runbook");
    for (const link of links) assert.ok(anchors.has(link), `no section #${link}`);
  });

  describe("SQL", () => {
    let testDatabase: TestDatabase;
    let database: Database;
    before(async () => {
      testDatabase = await createTestDatabase("docs");
      database = await openDatabase({ url: testDatabase.url, dataDir: "", poolMax: 2 }, silentLogger);
      await database.migrate();
    });
    after(async () => {
      await database?.close();
      await testDatabase?.drop();
    });

    it("every SQL statement of the docs runs on the current schema (in a transaction rolled back)", async () => {
      const statements = [...DOCS].flatMap(([path, text]) => sqlStatements(text).map((statement) => [path, statement] as const));
      assert.ok(statements.length >= 20, `found ${statements.length} statements`);
      for (const [path, statement] of statements) {
        await database.knex
          .transaction(async (tx) => {
            await tx.raw(statement.replace(/\?/g, "\\?"));
            throw new RollBack();
          })
          .catch((error: unknown) => {
            if (!(error instanceof RollBack)) assert.fail(`${path}: ${statement}\n  → ${error instanceof Error ? error.message : String(error)}`);
          });
      }
    });
  });
});

class RollBack extends Error {}
