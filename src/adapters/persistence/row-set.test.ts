import assert from "node:assert/strict";
import type { Knex } from "knex";
import { embeddedDatabase } from "../../../contract-tests/support/embedded-database.js";
import { migratedDatabase } from "../../../contract-tests/support/migrated-database.js";
import type { Database } from "./database.js";
import { rowSet } from "./row-set.js";

const COLUMNS = { i: "int", n: "bigint", t: "text", at: "timestamptz", doc: "jsonb", raw: "json" } as const;

/** Values at the edges of each type, and text PostgreSQL cannot store as it is. */
const DOCS = [{ wmsId: "wms-1", sequence: "18446744073709551615", nested: [1, "two", null, true] }, "a string document", { bad: "nul\u0000 \udc00" }, 42];
const ROWS = [
  { i: 0, n: 2n ** 63n - 1n, t: "SKU-1", at: new Date("2026-12-02T21:45:00.123Z"), doc: DOCS[0], raw: DOCS[0] },
  { i: -(2 ** 31), n: -(2n ** 63n), t: "émoji 🚚 ß", at: new Date("1999-12-31T23:59:59.999Z"), doc: DOCS[1], raw: DOCS[1] },
  { i: 2 ** 31 - 1, n: Number.MAX_SAFE_INTEGER, t: "nul\u0000and lone \ud800 surrogate", at: new Date("0001-01-01T00:00:00.000Z"), doc: DOCS[2], raw: DOCS[2] },
  { i: 7, n: -Number.MAX_SAFE_INTEGER, t: "", at: new Date("9999-12-31T23:59:59.999Z"), doc: DOCS[3], raw: DOCS[3] },
  { i: null, n: null, t: null, at: null, doc: null, raw: null },
  { i: 8 },
];

/** What PostgreSQL holds for {@link ROWS}, read back as text so both engines answer alike: jsonb re-spelt, json as sent. */
const EXPECTED = [
  ["0", "9223372036854775807", "SKU-1", "2026-12-02T21:45:00.123000Z", `{"wmsId": "wms-1", "nested": [1, "two", null, true], "sequence": "18446744073709551615"}`, JSON.stringify(DOCS[0])],
  ["-2147483648", "-9223372036854775808", "émoji 🚚 ß", "1999-12-31T23:59:59.999000Z", `"a string document"`, `"a string document"`],
  ["2147483647", "9007199254740991", "nul\uFFFDand lone \uFFFD surrogate", "0001-01-01T00:00:00.000000Z", `{"bad": "nul\uFFFD \uFFFD"}`, `{"bad":"nul\uFFFD \uFFFD"}`],
  ["7", "-9007199254740991", "", "9999-12-31T23:59:59.999000Z", "42", "42"],
  [null, null, null, null, null, null],
  ["8", null, null, null, null, null],
];

async function readBack(db: Knex, rows: ReadonlyArray<Record<string, unknown>>): Promise<unknown[][]> {
  const set = rowSet(db, "r", COLUMNS, rows);
  const { rows: out } = await db.raw<{ rows: Array<Record<string, string | null>> }>(
    `SELECT r.i::text AS i, r.n::text AS n, r.t, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, r.doc::text AS doc, r.raw::text AS raw,
       pg_typeof(r.i)::text AS ti, pg_typeof(r.n)::text AS tn, pg_typeof(r.at)::text AS tat, pg_typeof(r.doc)::text AS tdoc, pg_typeof(r.raw)::text AS traw
     FROM ${set.from}`,
    set.bindings,
  );
  for (const row of out) assert.deepEqual([row.ti, row.tn, row.tat, row.tdoc, row.traw], ["integer", "bigint", "timestamp with time zone", "jsonb", "json"]);
  return out.map((row) => [row.i, row.n, row.t, row.at, row.doc, row.raw]);
}

function behavesAsARowSet(engine: () => Database): void {
  it("carries every type's edge values, NULLs and absent columns, in order, with the declared types", async () => {
    assert.deepEqual(await readBack(engine().knex, ROWS), EXPECTED);
  });

  it("makes text PostgreSQL refuses storable in a table's text and jsonb columns", async () => {
    const db = engine().knex;
    await db.raw(`CREATE TEMP TABLE IF NOT EXISTS row_set_probe (t text, doc jsonb)`);
    const set = rowSet(db, "r", { t: "text", doc: "jsonb" }, [{ t: "a\u0000b", doc: { k: "\ud83d" } }]);
    await db.raw(`INSERT INTO row_set_probe SELECT r.t, r.doc FROM ${set.from}`, set.bindings);
    const { rows } = await db.raw<{ rows: Array<{ t: string; doc: string }> }>(`SELECT t, doc::text AS doc FROM row_set_probe`);
    assert.deepEqual(rows, [{ t: "a\uFFFDb", doc: `{"k": "\uFFFD"}` }]);
  });

  it("takes an empty set", async () => {
    assert.deepEqual(await readBack(engine().knex, []), []);
  });

  it("refuses a time that is not a valid Date, naming the column", async () => {
    const db = engine().knex;
    assert.throws(() => rowSet(db, "r", { at: "timestamptz" }, [{ at: new Date(Number.NaN) }]), /row set column at: Invalid Date is not a valid Date/);
    assert.throws(() => rowSet(db, "r", { at: "timestamptz" }, [{ at: "2026-01-01" }]), /row set column at: 2026-01-01 is not a valid Date/);
  });
}

describe("rowSet on PostgreSQL (binary arrays)", function () {
  const db = migratedDatabase("row_set", 1);
  behavesAsARowSet(() => db.database);

  it("binds one binary array per column, not a JSON document", () => {
    const set = rowSet(db.database.knex, "r", COLUMNS, ROWS);
    assert.equal(set.from, "unnest((SELECT ?::int4[]), (SELECT ?::int8[]), (SELECT ?::text[]), (SELECT ?::timestamptz[]), (SELECT ?::jsonb[]), (SELECT ?::json[])) AS r(i, n, t, at, doc, raw)");
    assert.equal(set.bindings.length, 6);
    assert.ok(set.bindings.every((binding) => Buffer.isBuffer(binding)));
    assert.throws(() => rowSet(db.database.knex, "r", { i: "int" }, [{ i: 1.5 }]), /row set column i: 1.5 is not an integer in range/);
    assert.throws(() => rowSet(db.database.knex, "r", { i: "int" }, [{ i: 2 ** 31 }]), /row set column i: 2147483648 is not an integer in range/);
    assert.throws(() => rowSet(db.database.knex, "r", { n: "bigint" }, [{ n: 2 ** 53 }]), /row set column n: 9007199254740992 is not an integer in range/);
    assert.throws(() => rowSet(db.database.knex, "r", { n: "bigint" }, [{ n: 2n ** 63n }]), /row set column n: 9223372036854775808 is not an integer in range/);
    assert.throws(() => rowSet(db.database.knex, "r", { t: "text" }, [{ t: 5 }]), /row set column t: number is not text/);
  });

  it("joins a table by probing its key once per row, however many rows the set holds", async () => {
    const knex = db.database.knex;
    await knex.raw(`CREATE TABLE row_set_join (k text PRIMARY KEY, v bigint NOT NULL)`);
    await knex.raw(`INSERT INTO row_set_join SELECT 'K-' || g, g FROM generate_series(1, 20000) g`);
    await knex.raw(`ANALYZE row_set_join`);
    const set = rowSet(knex, "r", { k: "text" }, Array.from({ length: 2000 }, (_, i) => ({ k: `K-${i * 7 + 1}` })));
    const { rows } = await knex.raw<{ rows: Array<{ "QUERY PLAN": string }> }>(`EXPLAIN SELECT t.v FROM ${set.from} JOIN row_set_join AS t ON t.k = r.k`, set.bindings);
    const plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
    // With the arrays bound directly, PostgreSQL counts the 2,000 and hashes the whole table instead.
    assert.match(plan, /Nested Loop[\s\S]*Index Scan using row_set_join_pkey/, plan);
    assert.doesNotMatch(plan, /Hash Join|Seq Scan on row_set_join/, plan);
  });
});

describe("rowSet on embedded PGlite (one JSON document)", function () {
  this.timeout(60_000);
  const db = embeddedDatabase("rowset", false);
  behavesAsARowSet(() => db.database);

  it("binds the rows as one JSON document", () => {
    const set = rowSet(db.database.knex, "r", COLUMNS, ROWS);
    assert.match(set.from, /^json_to_recordset\(\?::json\) AS r\(i int, n bigint, t text, at timestamptz, doc jsonb, raw json\)$/);
    assert.equal(set.bindings.length, 1);
    assert.equal(typeof set.bindings[0], "string");
  });
});
