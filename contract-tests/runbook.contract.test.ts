import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { COHORT_USAGE } from "../src/adapters/cli/cohort-command.js";
import { OPERATION_COMMANDS, OPERATIONS_USAGE } from "../src/adapters/cli/operations-cli.js";
import { RECONCILE_COMMANDS, RECONCILE_USAGE } from "../src/adapters/cli/reconcile-cli.js";
import { openDatabase, type Database } from "../src/adapters/persistence/database.js";
import { silentLogger } from "../src/shared/logger.js";
import { createTestDatabase, type TestDatabase } from "./support/test-servers.js";

const RUNBOOK = readFileSync("docs/runbook.md", "utf8");

/** The bodies of the runbook's fenced blocks of `language`. */
function fenced(language: string): string[] {
  return [...RUNBOOK.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

/** Every SQL statement of the runbook: ```sql blocks and `psql … -c "…"` commands, transaction control left out. */
function runbookStatements(): string[] {
  const fromBlocks = fenced("sql").flatMap((block) => block.split(/;\s*\n/));
  const fromPsql = [...RUNBOOK.matchAll(/psql "\$DATABASE_URL" -c "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\"/g, '"'));
  const inline = [...RUNBOOK.matchAll(/`(SELECT [^`]+;)`/g)].map((m) => m[1]!);
  return [...fromBlocks, ...fromPsql, ...inline]
    .map((statement) => statement.trim().replace(/;$/, ""))
    .filter((statement) => statement !== "" && !/^(BEGIN|COMMIT)$/i.test(statement));
}

/** Anchor GitHub gives a heading. */
function anchorOf(heading: string): string {
  return heading.toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");
}

describe("contract: the runbook's commands are real", function () {
  this.timeout(60_000);
  let testDatabase: TestDatabase;
  let database: Database;

  before(async () => {
    testDatabase = await createTestDatabase("runbook");
    database = await openDatabase({ url: testDatabase.url, dataDir: "", poolMax: 2 }, silentLogger);
    await database.migrate();
  });
  after(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it("every SQL statement runs on the current schema (in a transaction rolled back)", async () => {
    const statements = runbookStatements();
    assert.ok(statements.length >= 20, `found ${statements.length} statements`);
    for (const statement of statements) {
      await database.knex
        .transaction(async (tx) => {
          await tx.raw(statement.replace(/\?/g, "\\?"));
          throw new RollBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RollBack)) assert.fail(`${statement}\n  → ${error instanceof Error ? error.message : String(error)}`);
        });
    }
  });

  it("every invsync command and option it names exists", () => {
    const commands = [...RUNBOOK.matchAll(/(?:^|[`;(]\s*|\n\s*)invsync ([a-z]+)([^\n`|#]*)/g)];
    assert.ok(commands.length >= 15, `found ${commands.length} commands`);
    for (const [, command, rest] of commands) {
      assert.ok([...OPERATION_COMMANDS, ...RECONCILE_COMMANDS, "cohort", "help", "serve", "migrate"].includes(command!), `unknown command invsync ${command}`);
      for (const [option] of rest!.matchAll(/--[a-z-]+/g)) {
        const named = new RegExp(`${option}(?![\\w-])`);
        assert.ok(named.test(OPERATIONS_USAGE) || named.test(COHORT_USAGE) || named.test(RECONCILE_USAGE), `invsync ${command}: unknown option ${option}`);
      }
    }
  });

  it("has a section for every alert, where the alert's runbook annotation points", () => {
    const anchors = new Set([...RUNBOOK.matchAll(/^#{2,4} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
    const alerts = readFileSync("ops/prometheus/alerts.yml", "utf8");
    const links = [...alerts.matchAll(/runbook: docs\/runbook\.md#([\w-]+)/g)].map((m) => m[1]!);
    assert.equal(links.length, [...alerts.matchAll(/- alert: /g)].length, "every alert links to the runbook");
    for (const link of links) assert.ok(anchors.has(link), `no section #${link}`);
    for (const [, target] of RUNBOOK.matchAll(/\]\(#([\w-]+)\)/g)) assert.ok(anchors.has(target!), `dangling link #${target}`);
  });
});

class RollBack extends Error {}
