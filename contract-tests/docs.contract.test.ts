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
import { figuresBlock } from "../bench/figures.js";
import { evaluationBlock, MODES } from "../bench/evaluate/figures.js";

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

  it("the benchmark figures of docs/performance.md are the latest full run's, and appear nowhere else", () => {
    const run = JSON.parse(readFileSync("bench/results/latest-full.json", "utf8"));
    const shown = DOCS.get("docs/performance.md")!;
    assert.ok(shown.includes(figuresBlock(run)), "docs/performance.md's bench-figures block is not what npm run bench:figures writes from bench/results/latest-full.json");
    const elsewhere = [...DOCS].filter(([path, text]) => path !== "docs/performance.md" && text.includes("bench-figures:begin")).map(([path]) => path);
    assert.deepEqual(elsewhere, []);
  });

  it("the evaluation figures of docs/evaluation.md are the standard days' JSON, one block for each day run", () => {
    const shown = DOCS.get("docs/evaluation.md")!;
    const run = MODES.filter((mode) => existsSync(`bench/results/evaluation-${mode}.json`));
    assert.ok(run.includes("quick"), "bench/results/evaluation-quick.json is missing");
    assert.deepEqual([...shown.matchAll(/<!-- evaluation-figures:begin (\w+)/g)].map((m) => m[1]).sort(), [...run].sort());
    for (const mode of run) {
      const report = JSON.parse(readFileSync(`bench/results/evaluation-${mode}.json`, "utf8"));
      assert.ok(shown.includes(evaluationBlock(report)), `docs/evaluation.md's ${mode} block is not what npm run evaluate:figures writes from bench/results/evaluation-${mode}.json`);
    }
    const elsewhere = [...DOCS].filter(([path, text]) => path !== "docs/evaluation.md" && text.includes("evaluation-figures:begin")).map(([path]) => path);
    assert.deepEqual(elsewhere, []);
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
