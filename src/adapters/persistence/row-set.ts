import type { Knex } from "knex";
import { jsonRows, storableJson } from "./row-values.js";

/** The column types a row set carries. */
export type RowSetType = "int" | "bigint" | "text" | "timestamptz" | "json" | "jsonb";

/** A row set's columns: name → type. */
export type RowSetColumns = Readonly<Record<string, RowSetType>>;

/**
 * One row of a row set: per column, by type, `int` and `bigint` a safe integer (or a bigint for
 * `bigint`), `text` a string, `timestamptz` a valid Date, `json` and `jsonb` any JSON value; null or absent is
 * SQL NULL. A value of another kind is a programming error, thrown as a TypeError naming the column.
 */
export type RowSetRow<C extends RowSetColumns> = { readonly [K in keyof C]?: unknown };

/** A row set as a FROM item (`<from>` in `SELECT … FROM <from>`) and the bindings of its `?`s. */
export interface RowSet {
  readonly from: string;
  readonly bindings: readonly Knex.RawBinding[];
}

/**
 * Many rows as one FROM item of a set-based statement, named `alias` with the given columns. On
 * PostgreSQL over `pg` they travel as one binary array per column (`unnest` of `int4[]`, `text[]`, …):
 * PostgreSQL reads binary arrays without parsing text, which took a third to a half of the time of
 * the statements that took a batch's rows as one JSON document (`auto_explain` under the
 * benchmark's load: 7–12 µs a row of 15–37), and a Date or a number is written as the 8 bytes
 * PostgreSQL keeps, without a string in between. PGlite binds every parameter as text, so there the
 * rows are one JSON document (`json_to_recordset(?::json)`). Either way the statement sees the same columns and
 * values; text PostgreSQL cannot store (NUL, lone surrogates) becomes U+FFFD on both.
 *
 * Each array is bound through a subquery (`unnest((SELECT ?::int4[]), …)`, an InitPlan run once),
 * so the planner does not count its elements: with the true count (a batch's 1,000–5,000) it
 * planned a join with a stock table as a hash join over a scan of the whole table (an UPDATE of
 * 1,700 of 60,000 records: 40 ms, 19 of them hashing the table) where it otherwise probes the primary
 * key once per row (21 ms), and that choice would flip as the table grows. A JSON document's default
 * estimate (100 rows) kept the probes the same way.
 */
export function rowSet<C extends RowSetColumns>(db: Knex | Knex.Transaction, alias: string, columns: C, rows: ReadonlyArray<RowSetRow<C>>): RowSet {
  const names = Object.keys(columns);
  if (!bindsBinary(db)) {
    const typed = names.map((name) => `${name} ${JSON_TYPES[columns[name]!]}`).join(", ");
    return { from: `json_to_recordset(?::json) AS ${alias}(${typed})`, bindings: [jsonRows(rows.map((row) => jsonRow(names, columns, row as Values)))] };
  }
  const arrays = names.map((name) => `(SELECT ?::${ARRAY_TYPES[columns[name]!]})`).join(", ");
  return {
    from: `unnest(${arrays}) AS ${alias}(${names.join(", ")})`,
    bindings: names.map((name) => binaryArray(columns[name]!, name, rows as readonly Values[])),
  };
}

/** True when `db` binds Buffers as binary parameters (`pg`); PGlite serialises every parameter to text. */
function bindsBinary(db: Knex | Knex.Transaction): boolean {
  return (db as unknown as { client: { config: { client?: unknown } } }).client.config.client === "pg";
}

const JSON_TYPES: Readonly<Record<RowSetType, string>> = { int: "int", bigint: "bigint", text: "text", timestamptz: "timestamptz", json: "json", jsonb: "jsonb" };
const ARRAY_TYPES: Readonly<Record<RowSetType, string>> = { int: "int4[]", bigint: "int8[]", text: "text[]", timestamptz: "timestamptz[]", json: "json[]", jsonb: "jsonb[]" };
/** PostgreSQL's type oids of the array elements. */
const ELEMENT_OIDS: Readonly<Record<RowSetType, number>> = { int: 23, bigint: 20, text: 25, timestamptz: 1184, json: 114, jsonb: 3802 };
/** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_TO_32 = 2 ** 32;

/** A row as the encoders read it. */
type Values = Readonly<Record<string, unknown>>;

function jsonRow(names: readonly string[], columns: RowSetColumns, row: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = row[name] ?? null;
    if (value === null) out[name] = null;
    else if (columns[name] === "timestamptz") out[name] = validDate(value, name).toISOString();
    else if (typeof value === "bigint") out[name] = value.toString();
    else out[name] = value;
  }
  return out;
}

/**
 * One column as PostgreSQL's binary array format: dimensions (1), has-nulls flag, element oid, the
 * length and lower bound (1) of the dimension, then each element as its byte length (-1 for NULL)
 * and its binary value.
 */
function binaryArray(type: RowSetType, name: string, rows: readonly Values[]): Buffer {
  const count = rows.length;
  // First pass: each element's size (texts and documents kept to write in the second).
  const variable = type === "text" || type === "json" || type === "jsonb";
  const texts: Array<string | undefined> = variable ? new Array(count) : [];
  const lengths: number[] = variable ? new Array(count) : [];
  let size = 20;
  let nulls = 0;
  for (let i = 0; i < count; i++) {
    const value = rows[i]![name] ?? null;
    if (value === null) {
      nulls = 1;
      size += 4;
    } else if (type === "text") {
      const text = storableText(value, name);
      texts[i] = text;
      size += 4 + (lengths[i] = Buffer.byteLength(text));
    } else if (type === "json" || type === "jsonb") {
      const text = storableDocument(value);
      texts[i] = text;
      size += (type === "jsonb" ? 5 : 4) + (lengths[i] = Buffer.byteLength(text));
    } else {
      size += type === "int" ? 8 : 12;
    }
  }
  const buffer = Buffer.allocUnsafe(size);
  buffer.writeInt32BE(1, 0);
  buffer.writeInt32BE(nulls, 4);
  buffer.writeInt32BE(ELEMENT_OIDS[type], 8);
  buffer.writeInt32BE(count, 12);
  buffer.writeInt32BE(1, 16);
  let at = 20;
  for (let i = 0; i < count; i++) {
    const value = rows[i]![name] ?? null;
    if (value === null) {
      buffer.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    switch (type) {
      case "int":
        buffer.writeInt32BE(4, at);
        buffer.writeInt32BE(integer(value, name, 2 ** 31), at + 4);
        at += 8;
        break;
      case "bigint":
        buffer.writeInt32BE(8, at);
        if (typeof value === "bigint") buffer.writeBigInt64BE(int64(value, name), at + 4);
        else writeInt64(buffer, integer(value, name, Number.MAX_SAFE_INTEGER + 1), at + 4);
        at += 12;
        break;
      case "timestamptz":
        buffer.writeInt32BE(8, at);
        writeMicros(buffer, validDate(value, name).getTime() - POSTGRES_EPOCH_MS, at + 4);
        at += 12;
        break;
      case "text":
      case "json":
        // json's binary form is its text, as text's is.
        buffer.writeInt32BE(lengths[i]!, at);
        buffer.write(texts[i]!, at + 4, "utf8");
        at += 4 + lengths[i]!;
        break;
      case "jsonb":
        // jsonb's binary form: a version byte (1), then the document's text.
        buffer.writeInt32BE(lengths[i]! + 1, at);
        buffer[at + 4] = 1;
        buffer.write(texts[i]!, at + 5, "utf8");
        at += 5 + lengths[i]!;
        break;
    }
  }
  return buffer;
}

/** A safe integer as a signed 64-bit big-endian value (high and low halves). */
function writeInt64(buffer: Buffer, value: number, at: number): void {
  const high = Math.floor(value / TWO_TO_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * TWO_TO_32, at + 4);
}

/**
 * Milliseconds as microseconds in a signed 64-bit big-endian value. The product can pass 2^53 (any
 * date before 1714 or after 2285), so it is formed from the halves of `ms`, each step exact.
 */
function writeMicros(buffer: Buffer, ms: number, at: number): void {
  const high = Math.floor(ms / TWO_TO_32);
  const low = (ms - high * TWO_TO_32) * 1000;
  const carry = Math.floor(low / TWO_TO_32);
  buffer.writeInt32BE(high * 1000 + carry, at);
  buffer.writeUInt32BE(low - carry * TWO_TO_32, at + 4);
}

const INT64_MAX = 2n ** 63n - 1n;

function int64(value: bigint, name: string): bigint {
  if (value > INT64_MAX || value < -INT64_MAX - 1n) throw new TypeError(`row set column ${name}: ${value} is not an integer in range`);
  return value;
}

function integer(value: unknown, name: string, bound: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value >= bound || value < -bound) {
    throw new TypeError(`row set column ${name}: ${String(value)} is not an integer in range`);
  }
  return value;
}

function validDate(value: unknown, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`row set column ${name}: ${String(value)} is not a valid Date`);
  return value;
}

/** Text PostgreSQL can store: NUL and lone surrogates become U+FFFD (as {@link storableJson} does). */
function storableText(value: unknown, name: string): string {
  if (typeof value !== "string") throw new TypeError(`row set column ${name}: ${typeof value} is not text`);
  return value.includes("\u0000") || !value.isWellFormed() ? (storableJson(value) as string) : value;
}

/**
 * A jsonb value as JSON text PostgreSQL accepts: JSON.stringify escapes only control characters and
 * lone surrogates as `\\u`, so a document without one is storable as it is; one with one is made
 * storable first (NUL and lone surrogates become U+FFFD, see {@link storableJson}).
 */
function storableDocument(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes("\\u") ? JSON.stringify(storableJson(value)) : json;
}
